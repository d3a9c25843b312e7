#include "ccurl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void ccurl_global_init(void) { pthread_once(&global_once, global_init_once); }

typedef struct {
    const char *data;
    size_t length;
    size_t offset;
} upload_state;

static size_t read_body(char *buffer, size_t size, size_t count, void *userdata) {
    upload_state *state = (upload_state *)userdata;
    size_t room = size * count;
    size_t left = state->length - state->offset;
    size_t chunk = left < room ? left : room;
    memcpy(buffer, state->data + state->offset, chunk);
    state->offset += chunk;
    return chunk;
}

ccurl_result ccurl_smtp_send(
    const char *url, const char *connect_to, ccurl_tls_mode tls, const char *username, const char *password, const char *auth,
    const char *from, const char *const *recipients, size_t recipient_count, const char *data, size_t length,
    long connect_timeout_ms, long total_timeout_ms) {
    ccurl_result result;
    memset(&result, 0, sizeof(result));
    ccurl_global_init();
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        result.curl_code = CURLE_FAILED_INIT;
        snprintf(result.error, sizeof(result.error), "libcurl could not start");
        return result;
    }
    char error_buffer[CURL_ERROR_SIZE];
    error_buffer[0] = 0;
    struct curl_slist *rcpt = NULL;
    for (size_t index = 0; index < recipient_count; index++) {
        rcpt = curl_slist_append(rcpt, recipients[index]);
    }
    upload_state state = {data, length, 0};
    char login_options[32];

    curl_easy_setopt(curl, CURLOPT_URL, url);
    struct curl_slist *pinned = NULL;
    if (connect_to != NULL && connect_to[0] != 0) {
        pinned = curl_slist_append(NULL, connect_to);
        curl_easy_setopt(curl, CURLOPT_CONNECT_TO, pinned);
    }
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_USE_SSL, tls == CCURL_TLS_NONE ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
    if (username != NULL && username[0] != 0) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password != NULL ? password : "");
        if (auth != NULL && auth[0] != 0) {
            snprintf(login_options, sizeof(login_options), "AUTH=%s", auth);
            curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, login_options);
        }
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)length);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_timeout_ms);

    CURLcode code = curl_easy_perform(curl);
    result.curl_code = (int)code;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.smtp_code);
    if (code != CURLE_OK) {
        snprintf(result.error, sizeof(result.error), "%s", error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code));
    }
    curl_easy_cleanup(curl);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(pinned);
    return result;
}

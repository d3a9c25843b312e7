#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>

/// How the connection to the relay is secured.
typedef enum {
    /// Plain SMTP; only for a relay on loopback.
    CCURL_TLS_NONE = 0,
    /// STARTTLS, required: the transfer fails if the server does not offer it.
    CCURL_TLS_STARTTLS = 1,
    /// TLS from the first byte (smtps://).
    CCURL_TLS_IMPLICIT = 2,
} ccurl_tls_mode;

/// The outcome of one SMTP transaction.
typedef struct {
    /// CURLE_OK (0) when the server accepted the message.
    int curl_code;
    /// The last SMTP reply code seen (250, 421, 550, …), or 0 when none arrived.
    long smtp_code;
    /// libcurl's description of the failure, or the empty string.
    char error[256];
} ccurl_result;

/// Sends one message over SMTP with libcurl: MAIL FROM, one RCPT TO per recipient, DATA with `data`.
/// Blocking; call it off the event loop. `username` may be NULL for an unauthenticated relay.
/// `auth` is NULL (let libcurl choose) or "PLAIN" / "LOGIN". `connect_to`, when not NULL, is a CURLOPT_CONNECT_TO
/// rule (`::ADDRESS:PORT`): the connection goes to that checked address while TLS still verifies the URL's host.
ccurl_result ccurl_smtp_send(
    const char *url, const char *connect_to, ccurl_tls_mode tls, const char *username, const char *password, const char *auth,
    const char *from, const char *const *recipients, size_t recipient_count, const char *data, size_t length,
    long connect_timeout_ms, long total_timeout_ms);

/// Initialises libcurl once per process; safe to call more than once.
void ccurl_global_init(void);

#endif

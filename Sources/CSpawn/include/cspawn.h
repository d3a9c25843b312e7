#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (both NULL-terminated). The child's standard input reads /dev/null; its
/// standard output and error go to `stdout_fd` / `stderr_fd`, or to /dev/null when they are -1. Every other
/// descriptor is closed in the child, and its signal mask and dispositions are reset to the defaults.
/// Returns 0 and sets `*pid`, or an errno value.
int cspawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd);

/// Like `cspawn`, and the child's standard input reads `stdin_fd` (or /dev/null when it is -1).
int cspawn_input(pid_t *pid, const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                 int stderr_fd);

/// Makes a pipe whose both ends close on exec, so no other child inherits them. Returns 0, or -1 with errno set.
int cspawn_pipe(int fds[2]);

#endif

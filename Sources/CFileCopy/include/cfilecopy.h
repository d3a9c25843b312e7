#ifndef CFILECOPY_H
#define CFILECOPY_H

#include <sys/types.h>

/// Copies up to `length` bytes from the current offset of `input` to that of `output` inside the kernel
/// (`copy_file_range`). Returns the bytes copied, 0 at the end of `input`, or -1 with errno set.
ssize_t cfilecopy_range(int input, int output, size_t length);

#endif

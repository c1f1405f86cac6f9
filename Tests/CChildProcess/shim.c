#define _GNU_SOURCE 1
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include "CChildProcess.h"

int gatehouse_cloexec_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int gatehouse_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

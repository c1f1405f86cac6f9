#ifndef GATEHOUSE_C_CHILD_PROCESS_H
#define GATEHOUSE_C_CHILD_PROCESS_H

#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so a child another thread
/// spawns meanwhile cannot inherit them (GNU extensions Swift's Glibc module does not show).
int gatehouse_cloexec_pipe(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np(actions, from) (glibc 2.34+).
int gatehouse_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

#endif

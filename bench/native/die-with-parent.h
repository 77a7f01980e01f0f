/*
 * A native loop dies with the process that started it: bench/native.ts runs the loops from
 * Node, and a Node that is killed while it waits (SIGTERM to npm run bench, Ctrl-C,
 * SIGKILL) must not leave a loop spinning at 100% CPU. PR_SET_PDEATHSIG (Linux) sends
 * SIGKILL when the parent dies; RCU_LAB_PARENT_PID, set by bench/native.ts, catches a
 * parent that died before the call.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static void die_with_parent(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *parent = getenv("RCU_LAB_PARENT_PID");
  if (parent && getppid() != (pid_t)atol(parent)) _exit(1);
}

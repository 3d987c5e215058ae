#pragma once
// Per-worker-slot identities. As root every slot gets its own unprivileged uid/gid (uid_base+k
// or the next free one): no passwd/group entry, held through an exclusive flock on
// /run/trafl-sandbox/<uid>.lock so concurrent trafl-eval processes never share one (RLIMIT_NPROC
// and kill(-1) are per uid). Leftover processes of a crashed earlier holder are killed. Internal.
#include <string>
#include <vector>

namespace trafl::sandbox::detail {

struct SlotUid {
  unsigned uid = 0;
  int lock_fd = -1;
};

// Acquires n uids; throws UsageError when none can be found. The lock files of uids it holds
// exist only while held: release_slot_uid removes them (under a lock of the directory).
std::vector<SlotUid> acquire_slot_uids(unsigned base, unsigned n);
void release_slot_uid(SlotUid& slot);
void release_locked(SlotUid& slot);  // the same, for a caller that holds the directory's lock
// Removes the lock files of uids this process holds (it keeps holding them until it exits): for
// the signal cleanup, just before the process ends.
void forget_uid_locks(const std::vector<unsigned>& uids);
// True when no live process holds uid's lock (its leftovers are then stale).
bool uid_lock_free(unsigned uid);
// Removes the lock files no live process holds (left by a process killed with SIGKILL); returns how many.
int sweep_stale_uid_locks();

// Kills every process owned by uid (from a helper that switched to that uid). Root only.
void kill_uid_processes(unsigned uid);
bool uid_has_processes(unsigned uid);

// Removes the System V shared memory segments, message queues and semaphore sets that uid owns or
// created (from /proc/sysvipc). For the tiers that share the host's IPC namespace: there such an
// object outlives the run, holds memory and is visible to the slot's next run. Returns how many.
int remove_uid_sysv_ipc(unsigned uid);

// Reaps zombie children of this process that belong to a finished run: same session as the run's
// leader, or (when uid != 0) owned by the slot uid. Never touches other children.
void reap_run_orphans(int leader_sid, unsigned uid);

}  // namespace trafl::sandbox::detail

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

// Acquires n uids; throws UsageError when none can be found.
std::vector<SlotUid> acquire_slot_uids(unsigned base, unsigned n);
void release_slot_uid(SlotUid& slot);

// Kills every process owned by uid (from a helper that switched to that uid). Root only.
void kill_uid_processes(unsigned uid);
bool uid_has_processes(unsigned uid);

// Reaps zombie children of this process that belong to a finished run: same session as the run's
// leader, or (when uid != 0) owned by the slot uid. Never touches other children.
void reap_run_orphans(int leader_sid, unsigned uid);

}  // namespace trafl::sandbox::detail

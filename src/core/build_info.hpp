#pragma once
// What built this binary, recorded with every run beside tool_version so that a reviewer can tell
// which code produced a result. Defined in a file that cmake/build_info.cmake writes at build time.
namespace trafl {

// The checkout's HEAD commit (40 hex digits, "-dirty" when tracked files were edited), or "unknown"
// when built outside a git checkout.
const char* build_commit();
// CMAKE_BUILD_TYPE (Release, RelWithDebInfo, Debug, ...), or "none".
const char* build_type();

}  // namespace trafl

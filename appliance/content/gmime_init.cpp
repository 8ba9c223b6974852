#include "content/gmime_init.h"

#include <gmime/gmime.h>

#include <mutex>

namespace moat::content {

void ensureGmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

}  // namespace moat::content

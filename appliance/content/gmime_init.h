// GMime must be initialised once per process before any use; every content
// function that touches GMime calls ensureGmime() first (cheap after the first).
#pragma once

namespace moat::content {

void ensureGmime();

}  // namespace moat::content

// The browser UI's static files ([web] assets). A request path maps to a
// regular file under the assets directory or to nothing: "/" is index.html;
// "..", "." segments, backslashes, control characters and paths that resolve
// (through symlinks) outside the directory are refused. Content types come
// from a fixed table by extension (unknown: application/octet-stream), and
// nosniff keeps browsers from guessing otherwise.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "web/http.h"

namespace moat::web {

const char* contentTypeFor(const std::string& path);

// The file a request path names, or nullopt.
std::optional<std::filesystem::path> resolveAsset(const std::filesystem::path& root,
                                                  const std::string& request_path);

// GET/HEAD of a static file: 200 with its content, or 404.
Response serveAsset(const std::filesystem::path& root, const std::string& request_path);

}  // namespace moat::web

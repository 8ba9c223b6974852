#include "web/static_files.h"

#include <fstream>
#include <map>
#include <sstream>

#include "util/ascii_text.h"

namespace moat::web {

namespace fs = std::filesystem;

namespace {
constexpr std::uintmax_t kMaxAssetSize = 32 * 1024 * 1024;

bool isWithin(const fs::path& root, const fs::path& p) {
    auto r = root.begin(), q = p.begin();
    for (; r != root.end(); ++r, ++q)
        if (q == p.end() || *r != *q) return false;
    return true;
}
}  // namespace

const char* contentTypeFor(const std::string& path) {
    static const std::map<std::string, const char*> types = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".md", "text/plain; charset=utf-8"},  // the documentation, read as it is written
        {".map", "application/json"},
        {".yaml", "text/plain; charset=utf-8"},
    };
    auto ext = util::lowerAscii(fs::path(path).extension().string());
    auto it = types.find(ext);
    return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<fs::path> resolveAsset(const fs::path& root, const std::string& request_path) {
    if (request_path.empty() || request_path.front() != '/' || request_path.size() > 1024)
        return std::nullopt;
    std::string relative = request_path == "/" ? "index.html" : request_path.substr(1);
    if (!relative.empty() && relative.back() == '/') relative += "index.html";
    for (unsigned char c : relative)
        if (c < 0x20 || c == 0x7f || c == '\\') return std::nullopt;
    std::size_t i = 0;
    while (i <= relative.size()) {
        auto j = relative.find('/', i);
        if (j == std::string::npos) j = relative.size();
        auto segment = relative.substr(i, j - i);
        if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
        i = j + 1;
    }
    std::error_code ec;
    auto base = fs::canonical(root, ec);
    if (ec) return std::nullopt;
    auto file = fs::canonical(base / relative, ec);
    if (ec || !isWithin(base, file) || !fs::is_regular_file(file, ec)) return std::nullopt;
    return file;
}

Response serveAsset(const fs::path& root, const std::string& request_path) {
    auto file = resolveAsset(root, request_path);
    std::error_code ec;
    if (!file || fs::file_size(*file, ec) > kMaxAssetSize || ec)
        return Response::error(404, "not found");
    std::ifstream in(*file, std::ios::binary);
    if (!in) return Response::error(404, "not found");
    std::ostringstream content;
    content << in.rdbuf();
    Response r;
    r.content_type = contentTypeFor(file->string());
    r.body = content.str();
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
}

}  // namespace moat::web

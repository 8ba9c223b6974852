#include "content/html_attributes.h"

namespace moat::content {

bool isHtmlSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool nextHtmlAttribute(std::string_view text, std::size_t& at, HtmlAttribute& out) {
    std::size_t i = at;
    while (i < text.size() && (isHtmlSpace(text[i]) || text[i] == '/')) ++i;
    if (i >= text.size() || text[i] == '>') {
        at = i < text.size() ? i + 1 : text.size();
        return false;
    }
    std::size_t name_start = i;
    while (i < text.size() && !isHtmlSpace(text[i]) && text[i] != '>' && text[i] != '=' &&
           (i == name_start || text[i] != '/'))
        ++i;
    out.name = text.substr(name_start, i - name_start);
    out.value = {};
    while (i < text.size() && isHtmlSpace(text[i])) ++i;
    if (i < text.size() && text[i] == '=') {
        ++i;
        while (i < text.size() && isHtmlSpace(text[i])) ++i;
        if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
            char quote = text[i++];
            std::size_t end = text.find(quote, i);
            if (end == std::string_view::npos) end = text.size();
            out.value = text.substr(i, end - i);
            i = end == text.size() ? end : end + 1;
        } else {
            std::size_t start = i;
            while (i < text.size() && !isHtmlSpace(text[i]) && text[i] != '>') ++i;
            out.value = text.substr(start, i - start);
        }
    }
    at = i;
    return true;
}

}  // namespace moat::content

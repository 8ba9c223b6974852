#include "user_commands.h"

#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <stdexcept>

#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "store/login_failures.h"
#include "store/second_factor.h"
#include "store/users.h"
#include "store/web_sessions.h"
#include "util/log.h"
#include "web/password_hash.h"

namespace moat::moatctl {

namespace {

constexpr const char* kActor = "moatctl";

std::string stripLineEnd(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
}

std::string promptHidden(const char* prompt) {
    std::cerr << prompt << std::flush;
    termios old{};
    bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
    return stripLineEnd(line);
}

std::string readPassword(bool password_stdin, std::istream& in) {
    std::string password;
    if (password_stdin) {
        std::getline(in, password);
        password = stripLineEnd(password);
    } else {
        if (!isatty(STDIN_FILENO))
            throw std::invalid_argument(
                "no terminal to ask for the password: use --password-stdin");
        password = promptHidden("Password: ");
        web::checkPasswordRules(password);
        if (promptHidden("Again: ") != password)
            throw std::invalid_argument("the passwords differ");
    }
    web::checkPasswordRules(password);
    return password;
}

std::vector<std::string> splitDomains(const std::optional<std::string>& text) {
    std::vector<std::string> out;
    if (!text) return out;
    std::size_t i = 0;
    while (i <= text->size()) {
        auto j = text->find(',', i);
        if (j == std::string::npos) j = text->size();
        auto piece = text->substr(i, j - i);
        if (!piece.empty()) out.push_back(piece);
        i = j + 1;
    }
    return out;
}

store::User requireUser(Poco::Data::Session& session, const std::string& name) {
    auto user = store::findUser(session, name);
    if (!user) throw std::invalid_argument("no account named '" + log::printable(name, 64) + "'");
    return *user;
}

std::string when(long long ts) {
    if (ts <= 0) return "-";
    std::time_t t = static_cast<std::time_t>(ts);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

}  // namespace

int userAdd(Poco::Data::Session& session, const std::string& name, const std::string& role,
            const std::optional<std::string>& domains, bool password_stdin, std::istream& in) {
    store::checkUserName(name);
    store::checkRole(role);
    auto domain_list = splitDomains(domains);
    if (role == "domain_admin" && domain_list.empty())
        throw std::invalid_argument("a domain administrator needs --domain");
    auto password = readPassword(password_stdin, in);
    auto user = store::addUser(session, name, web::hashPassword(password), role, domain_list);
    store::audit(session, kActor, "", "user.add", user.name, "role " + user.role);
    std::cout << "added " << user.role << " " << user.name << "\n";
    return 0;
}

int userList(Poco::Data::Session& session) {
    auto users = store::listUsers(session);
    if (users.empty()) {
        std::cout << "no accounts\n";
        return 0;
    }
    long long now_ts = std::time(nullptr);
    std::cout << std::left << std::setw(24) << "NAME" << std::setw(14) << "ROLE" << std::setw(18)
              << "LAST LOGIN"
              << "DOMAINS\n";
    for (const auto& u : users) {
        std::string domains;
        for (const auto& d : u.domains) domains += (domains.empty() ? "" : ",") + d;
        std::cout << std::left << std::setw(24) << u.name << std::setw(14) << u.role
                  << std::setw(18) << when(u.last_login) << (domains.empty() ? "-" : domains);
        if (u.locked_until > now_ts) std::cout << "  (locked until " << when(u.locked_until) << ")";
        std::cout << "\n";
    }
    return 0;
}

int userRemove(Poco::Data::Session& session, const std::string& name) {
    auto user = requireUser(session, name);
    if (user.role == "admin" && store::countAdmins(session) <= 1)
        std::cerr << "moatctl: warning: " << user.name << " was the last administrator\n";
    store::removeUser(session, user.id);
    store::audit(session, kActor, "", "user.remove", user.name);
    std::cout << "removed " << user.name << "\n";
    return 0;
}

int userPasswd(Poco::Data::Session& session, const std::string& name, bool password_stdin,
               std::istream& in) {
    auto user = requireUser(session, name);
    auto password = readPassword(password_stdin, in);
    store::setUserPassword(session, user.id, web::hashPassword(password));
    store::deleteUserWebSessions(session, user.id);  // logged out everywhere
    int revoked = store::revokeUserApiTokens(session, user.id);
    store::audit(session, kActor, "", "user.change", user.name,
                 "password; sessions ended, " + std::to_string(revoked) + " API tokens revoked");
    std::cout << "password of " << user.name << " changed; its sessions ended and " << revoked
              << " API tokens revoked\n";
    return 0;
}

int userSecondFactorReset(Poco::Data::Session& session, const std::string& name) {
    auto user = requireUser(session, name);
    store::resetSecondFactor(session, user.id);
    store::audit(session, kActor, "", "2fa.reset", user.name);
    std::cout << "two-factor login of " << user.name
              << " reset: it logs in with its password and enrols again\n";
    return 0;
}

int userUnlock(Poco::Data::Session& session, const std::string& name) {
    auto user = requireUser(session, name);
    store::saveLoginFailures(session, user.id, 0, 0, 0);
    store::clearLoginFailures(session, user.name);
    store::audit(session, kActor, "", "user.unlock", user.name);
    std::cout << "unlocked " << user.name << "\n";
    return 0;
}

}  // namespace moat::moatctl

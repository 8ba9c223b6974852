// Console accounts (users, user_domains): add, find, list, remove, change
// password, role and domains, and the login lockout's bookkeeping. Used by the
// console's API and by moatctl. Names are 1..64 characters of letters, digits
// and . _ @ + -, unique case-insensitively. Bad input throws
// std::invalid_argument with a message fit for the operator (a duplicate name
// throws DuplicateUser); database failures throw Poco::Data exceptions.
// Passwords arrive here already hashed (web/password_hash).
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct User {
    long long id = 0;
    std::string name;
    std::string password;  // encoded Argon2id hash; '' = cannot log in
    std::string role;      // "admin" | "domain_admin"
    long long created = 0;
    int failed_logins = 0;
    long long failed_since = 0;
    long long locked_until = 0;
    long long last_login = 0;
    bool totp_enabled = false;   // a confirmed TOTP secret (store/second_factor.h)
    bool totp_required = false;  // the account must use two-factor login
    std::vector<long long> domain_ids;  // ordered by domain name
    std::vector<std::string> domains;
};

struct DuplicateUser : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Throws std::invalid_argument unless name is a valid account name.
void checkUserName(std::string_view name);
// Throws std::invalid_argument unless role is "admin" or "domain_admin".
void checkRole(std::string_view role);

std::vector<User> listUsers(Poco::Data::Session& session);  // ordered by name
std::optional<User> findUser(Poco::Data::Session& session, std::string_view name);
std::optional<User> findUserById(Poco::Data::Session& session, long long id);
bool anyAdmin(Poco::Data::Session& session);
int countAdmins(Poco::Data::Session& session);

// Adds an account; domains are names of protected domains (an unknown name is
// invalid). Returns the stored row.
User addUser(Poco::Data::Session& session, std::string_view name, std::string_view password_hash,
             std::string_view role, const std::vector<std::string>& domains);
bool removeUser(Poco::Data::Session& session, long long id);
void setUserPassword(Poco::Data::Session& session, long long id, std::string_view password_hash);
void setUserRole(Poco::Data::Session& session, long long id, std::string_view role);
void setUserDomains(Poco::Data::Session& session, long long id,
                    const std::vector<std::string>& domains);

// Lockout bookkeeping (the arithmetic is web/login_limiter's).
void saveLoginFailures(Poco::Data::Session& session, long long id, int failed_logins,
                       long long failed_since, long long locked_until);
// A successful login: failures forgotten, last_login set.
void recordLogin(Poco::Data::Session& session, long long id, long long now);

}  // namespace moat::store

// moatctl's console-account verbs: user add, list, remove, passwd, unlock.
// There is no default password: `user add NAME --role admin` is one of the two
// ways to the first administrator (the other is moat-webui's first-run link).
// Passwords are read twice from the terminal without echo, or once from stdin
// with --password-stdin (for scripts); they need at least 10 characters. Each
// verb prints what it did and returns the exit status; bad input throws
// std::invalid_argument, which main() reports.
#pragma once

#include <Poco/Data/Session.h>

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace moat::moatctl {

// moatctl user add NAME --role admin|domain_admin [--domain D[,D...]] [--password-stdin]
int userAdd(Poco::Data::Session& session, const std::string& name, const std::string& role,
            const std::optional<std::string>& domains, bool password_stdin, std::istream& in);
// moatctl user list
int userList(Poco::Data::Session& session);
// moatctl user remove NAME
int userRemove(Poco::Data::Session& session, const std::string& name);
// moatctl user passwd NAME [--password-stdin]
int userPasswd(Poco::Data::Session& session, const std::string& name, bool password_stdin,
               std::istream& in);
// moatctl user unlock NAME
int userUnlock(Poco::Data::Session& session, const std::string& name);
// Removes the account's TOTP secret and recovery codes (a lost phone).
int userSecondFactorReset(Poco::Data::Session& session, const std::string& name);

}  // namespace moat::moatctl

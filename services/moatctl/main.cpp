// moatctl: the operator's command-line tool for the store — protected domains,
// relay networks, POP-before-SMTP relayers, white/black lists, policy
// settings, DNS check zones, valid addresses, tokens, the mail queue and the
// content classifier's training. It changes the store only; a running
// moat-smtpd notices within its poll interval.
// Exit status: 0 success, 1 an operation failed (message on stderr), 2 usage.
#include <Poco/Data/Transaction.h>
#include <Poco/Exception.h>
#include <Poco/String.h>

#include <charconv>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "firewall/firewall_client.h"
#include "firewall/report.h"
#include "archive_commands.h"
#include "backup_commands.h"
#include "content_commands.h"
#include "list_commands.h"
#include "setting_commands.h"
#include "token_commands.h"
#include "user_commands.h"
#include "valid_commands.h"
#include "zone_commands.h"
#include "net/cidr.h"
#include "queue/queue_admin.h"
#include "store/domains.h"
#include "store/pop_relayers.h"
#include "store/relay_networks.h"
#include "store/store.h"
#include "util/log.h"
#include "util/time_text.h"

namespace {

using namespace moat;

constexpr const char* kUsage = R"(usage: moatctl [--config FILE] COMMAND ...

  domain add NAME --backend HOST[:PORT]   protect NAME, relaying its mail to HOST (port 25)
  domain list                             list protected domains
  domain remove NAME                      stop protecting NAME

  relaynet add CIDR [--note TEXT]         let clients in CIDR relay anywhere
  relaynet list                           list relay networks
  relaynet remove CIDR                    remove a relay network

  relay add IP [TICKS]                    record a POP login from IP now (or at epoch TICKS)
  relay delete IP...                      forget POP logins
  relay expire [MINUTES]                  drop logins older than MINUTES (default: the window)
  relay list [MINUTES]                    show logins younger than MINUTES (default: all)
  relay dump                              print every login as IP<TAB>epoch-seconds
  relay load [FILE]                       upsert logins in dump format from FILE or stdin

  list add LIST KIND VALUE [--domain NAME] [--note TEXT] [--subdomains]
                                          add a list entry (global without --domain)
  list paste LIST KIND [--domain NAME] [--note TEXT] < FILE
                                          add one VALUE per line of FILE
  list show [LIST] [--domain NAME|--global]
                                          show list entries with their hits
  list remove ID...                       remove list entries
      LIST and KIND: allow|deny sender|sender_domain|client, passthrough recipient,
      exception client|domain

  token list [DOMAIN]                     show whitelist-only token addresses
  token revoke TOKEN                      make a token address invalid
  events list [--since SECONDS]           show client events (rate limits reached)
  valid add DOMAIN ADDRESS...             add valid recipient addresses of DOMAIN
  valid paste DOMAIN [--replace] < FILE   add every address in FILE (one or many a line,
                                          "Name <a@b>", mailto:, # comments); --replace
                                          makes the list exactly FILE's addresses
  valid list DOMAIN                       list the valid addresses of DOMAIN
  valid count DOMAIN                      count them
  valid remove DOMAIN ADDRESS...          remove valid addresses
  callout flush [ADDRESS]                 forget cached callout results (all, or ADDRESS's)
  zone add KIND ZONE [--weight W] [--mask M] [--url TEMPLATE] [--note TEXT]
                                          query ZONE in a DNS check (weight default 5)
  zone list                               list the zones
  zone remove KIND ZONE                   stop querying ZONE
      KIND: dnsbl (client IP), rhsbl (sender domain, HELO name), uribl, country;
      MASK: answers that count, e.g. 127.0.0.2-127.0.0.11,127.0.0.20;
      TEMPLATE: http(s) URL with {ip}, {domain}, {zone}, shown in refusals

  archive list [--limit N]                show the newest archived messages (default 50)
  archive release ID [--by NAME]          re-queue archived message ID to its original
                                          recipients; waits for moat-smtpd (10 s at most)

  queue list                              show queued messages and their recipients
  queue flush                             retry every queued message now
  queue delete ID...                      delete queued messages

  learn --spam|--ham PATH...              train the content classifier; PATH is a message
                                          file, a maildir or an mbox
  score PATH...                           print "PATH SCORE VERDICT" for each message
                                          (SCORE -10..10, tag at 5, reject at 10)
  bayes stats                             show what the classifier has learnt
  bayes retrain                           retrain the classifier from the kept examples
  bayes expire [DAYS]                     forget rare tokens unseen for DAYS (default 90)

  user add NAME --role admin|domain_admin [--domain D[,D...]] [--password-stdin]
                                          add a console account; the password is asked twice
                                          on the terminal or read from stdin (10+ characters)
  user list                               list console accounts
  user remove NAME                        remove a console account
  user passwd NAME [--password-stdin]     set a new password (ends the account's sessions)
  user unlock NAME                        lift a login lockout
  user 2fa reset NAME                     turn two-factor login off (a lost phone)

  backup FILE [--with-log]                write a consistent snapshot of the configuration and
                                          learnt data to FILE; --with-log adds the message log
                                          and the archive index
  restore FILE [--check]                  replace the configuration with backup FILE, in place
                                          (the running daemons reload it; console sessions end);
                                          --check only verifies FILE

  help                                    show this text

The configuration file defaults to /etc/moat/moat.ini.
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // "--name" -> value

    std::optional<std::string> option(const std::string& name) const {
        auto it = options.find(name);
        if (it == options.end()) return std::nullopt;
        return it->second;
    }
};

// Splits arguments into positionals, "--name VALUE" / "--name=VALUE" options
// from `allowed` and "--name" flags from `flags` (stored with an empty value);
// "--" ends option parsing.
Args parseArgs(const std::vector<std::string>& in, const std::set<std::string>& allowed,
               const std::set<std::string>& flags) {
    Args out;
    bool options_done = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::string& a = in[i];
        if (options_done || a.size() < 2 || a.compare(0, 2, "--") != 0) {
            out.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        auto eq = a.find('=');
        std::string name = a.substr(0, eq);
        bool flag = flags.count(name) > 0;
        if (!allowed.count(name) && !flag)
            throw UsageError("unknown option " + log::printable(name, 60));
        std::string value;
        if (flag) {
            if (eq != std::string::npos) throw UsageError(name + " takes no value");
        } else if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else {
            if (i + 1 >= in.size()) throw UsageError(name + " needs a value");
            value = in[++i];
        }
        if (out.options.count(name)) throw UsageError(name + " given twice");
        out.options[name] = value;
    }
    return out;
}

std::optional<long long> parseNumber(std::string_view text, long long max) {
    long long value = 0;
    if (text.empty() || text.size() > 19) return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

constexpr long long kMaxMinutes = 100LL * 366 * 24 * 60;

long long minutesArg(const std::string& text) {
    auto m = parseNumber(text, kMaxMinutes);
    if (!m)
        throw std::invalid_argument("invalid number of minutes '" + log::printable(text, 60) + "'");
    return *m;
}

std::string age(long long seconds) {
    if (seconds < 0) seconds = 0;
    std::ostringstream out;
    if (seconds < 60)
        out << seconds << "s";
    else if (seconds < 3600)
        out << seconds / 60 << "m";
    else if (seconds < 86400)
        out << seconds / 3600 << "h" << std::setw(2) << std::setfill('0') << seconds % 3600 / 60
            << "m";
    else
        out << seconds / 86400 << "d" << std::setw(2) << std::setfill('0') << seconds % 86400 / 3600
            << "h";
    return out.str();
}

std::string hostPort(const std::string& host, std::uint16_t port) {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

struct Context {
    const config::Config& config;
    Poco::Data::Session& session;
};

// --- domain ---------------------------------------------------------------

int domainAdd(Context& ctx, const Args& args) {
    auto hp = config::parseHostPort(*args.option("--backend"), 25);
    auto d = store::addDomain(ctx.session, args.positional[0], hp.host, hp.port);
    std::cout << "added domain " << d.name << " -> " << hostPort(d.backend_host, d.backend_port)
              << "\n";
    return 0;
}

int domainList(Context& ctx, const Args& /*args*/) {
    auto domains = store::listDomains(ctx.session);
    std::size_t width = 4;
    for (const auto& d : domains) width = std::max(width, d.name.size());
    std::cout << std::left << std::setw(static_cast<int>(width)) << "NAME"
              << "  BACKEND\n";
    for (const auto& d : domains)
        std::cout << std::left << std::setw(static_cast<int>(width)) << d.name << "  "
                  << hostPort(d.backend_host, d.backend_port) << "\n";
    return 0;
}

int domainRemove(Context& ctx, const Args& args) {
    if (!store::removeDomain(ctx.session, args.positional[0]))
        throw std::invalid_argument("no such domain: " + log::printable(args.positional[0], 100));
    std::cout << "removed domain " << Poco::toLower(args.positional[0]) << "\n";
    return 0;
}

// --- relaynet -------------------------------------------------------------

int relaynetAdd(Context& ctx, const Args& args) {
    auto r =
        store::addRelayNetwork(ctx.session, args.positional[0], args.option("--note").value_or(""));
    std::cout << "added relay network " << r.cidr << "\n";
    return 0;
}

int relaynetList(Context& ctx, const Args& /*args*/) {
    auto nets = store::listRelayNetworks(ctx.session);
    std::size_t width = 4;
    for (const auto& n : nets) width = std::max(width, n.cidr.size());
    std::cout << std::left << std::setw(static_cast<int>(width)) << "CIDR"
              << "  NOTE\n";
    for (const auto& n : nets)
        std::cout << std::left << std::setw(static_cast<int>(width)) << n.cidr << "  "
                  << log::printable(n.note) << "\n";
    return 0;
}

int relaynetRemove(Context& ctx, const Args& args) {
    if (!store::removeRelayNetwork(ctx.session, args.positional[0]))
        throw std::invalid_argument("no such relay network: " +
                                    log::printable(args.positional[0], 100));
    std::cout << "removed relay network " << net::Cidr::parse(args.positional[0])->str() << "\n";
    return 0;
}

// --- relay (POP-before-SMTP) ----------------------------------------------

int relayAdd(Context& ctx, const Args& args) {
    long long ts = store::nowSeconds();
    if (args.positional.size() == 2) {
        auto t = parseNumber(args.positional[1], 1LL << 40);
        if (!t)
            throw std::invalid_argument("invalid timestamp '" +
                                        log::printable(args.positional[1], 60) + "'");
        ts = *t;
    }
    store::addPopRelayer(ctx.session, args.positional[0], ts);
    return 0;
}

int relayDelete(Context& ctx, const Args& args) {
    int rc = 0;
    for (const auto& ip : args.positional) {
        try {
            if (!store::deletePopRelayer(ctx.session, ip)) {
                std::cerr << "moatctl: no entry for " << log::printable(ip, 100) << "\n";
                rc = 1;
            }
        } catch (const std::invalid_argument& e) {
            std::cerr << "moatctl: " << e.what() << "\n";
            rc = 1;
        }
    }
    return rc;
}

int relayExpire(Context& ctx, const Args& args) {
    long long minutes = args.positional.empty() ? ctx.config.pop_before_smtp_minutes
                                                : minutesArg(args.positional[0]);
    auto n = store::expirePopRelayers(ctx.session, store::nowSeconds() - minutes * 60);
    std::cout << n << (n == 1 ? " entry" : " entries") << " expired\n";
    return 0;
}

int relayList(Context& ctx, const Args& args) {
    long long since = 0;
    if (!args.positional.empty()) since = store::nowSeconds() - minutesArg(args.positional[0]) * 60;
    for (const auto& p : store::listPopRelayers(ctx.session, since))
        std::cout << p.ip << "  " << util::localTimeText(p.ts) << "\n";
    return 0;
}

int relayDump(Context& ctx, const Args& /*args*/) {
    for (const auto& p : store::listPopRelayers(ctx.session))
        std::cout << p.ip << "\t" << p.ts << "\n";
    return 0;
}

int relayLoad(Context& ctx, const Args& args) {
    std::string name = args.positional.empty() ? "-" : args.positional[0];
    std::ifstream file;
    if (name != "-") {
        file.open(name);
        if (!file) throw std::runtime_error("cannot open " + name);
    }
    std::istream& in = name == "-" ? std::cin : file;
    std::string label = name == "-" ? "stdin" : name;

    int bad = 0;
    std::size_t loaded = 0;
    std::string line;
    Poco::Data::Transaction tx(ctx.session);  // one commit, not one fsync per line
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::istringstream fields(line);
        std::string ip, ts, extra;
        fields >> ip;
        if (ip.empty() || ip[0] == '#') continue;
        fields >> ts >> extra;
        auto stamp = parseNumber(ts, 1LL << 40);
        std::string why;
        if (ts.empty() || !extra.empty())
            why = "expected IP<TAB>epoch-seconds";
        else if (!stamp)
            why = "invalid timestamp '" + log::printable(ts, 60) + "'";
        else if (!net::parseIp(ip))
            why = "invalid IP address '" + log::printable(ip, 100) + "'";
        if (!why.empty()) {
            std::cerr << "moatctl: " << label << ":" << number << ": " << why << "\n";
            ++bad;
            continue;
        }
        store::addPopRelayer(ctx.session, ip, *stamp);
        ++loaded;
    }
    if (in.bad()) throw std::runtime_error("error reading " + label);
    tx.commit();
    std::cout << loaded << (loaded == 1 ? " entry" : " entries") << " loaded";
    if (bad) std::cout << ", " << bad << (bad == 1 ? " bad line" : " bad lines") << " skipped";
    std::cout << "\n";
    return bad ? 1 : 0;
}

// --- list -----------------------------------------------------------------

int listAdd(Context& ctx, const Args& args) {
    return moatctl::listAdd(ctx.session, args.positional[0], args.positional[1], args.positional[2],
                            args.option("--domain"), args.option("--note").value_or(""),
                            args.options.count("--subdomains") > 0);
}

int listPaste(Context& ctx, const Args& args) {
    return moatctl::listPaste(ctx.session, args.positional[0], args.positional[1],
                              args.option("--domain"), args.option("--note").value_or(""),
                              std::cin);
}

int listShow(Context& ctx, const Args& args) {
    return moatctl::listShow(ctx.session, args.positional.empty() ? "" : args.positional[0],
                             args.option("--domain"), args.options.count("--global") > 0);
}

int listRemove(Context& ctx, const Args& args) {
    return moatctl::listRemove(ctx.session, args.positional);
}

// --- setting --------------------------------------------------------------

int settingSet(Context& ctx, const Args& args) {
    return moatctl::settingSet(ctx.session, args.positional[0], args.positional[1], args.option("--domain"));
}

int settingUnset(Context& ctx, const Args& args) {
    return moatctl::settingUnset(ctx.session, args.positional[0], args.option("--domain"));
}

int settingShow(Context& ctx, const Args& args) {
    return moatctl::settingShow(ctx.session, args.positional.empty() ? "" : args.positional[0],
                                args.option("--domain"));
}

// --- archive --------------------------------------------------------------

int archiveList(Context& ctx, const Args& args) { return moatctl::archiveList(ctx.session, args.option("--limit")); }

int archiveRelease(Context& ctx, const Args& args) {
    return moatctl::archiveRelease(ctx.session, args.positional[0], args.option("--by"));
}

// --- token, events ---------------------------------------------------------

int tokenList(Context& ctx, const Args& args) {
    return moatctl::tokenList(ctx.session,
                              args.positional.empty() ? std::nullopt : std::optional(args.positional[0]));
}

int tokenRevoke(Context& ctx, const Args& args) { return moatctl::tokenRevoke(ctx.session, args.positional[0]); }

// --- firewall (moat-firewall's socket; docs/firewall.md) ---------------------

int firewallAsk(const Context& ctx, const firewall::Report& r) {
    std::string answer = firewall::askFirewall(ctx.config.firewall.socket, firewall::formatReport(r));
    bool ok = answer.rfind("ok", 0) == 0;
    if (ok && answer.size() > 3 && answer[2] == '\n')
        std::cout << answer.substr(3);
    else
        (ok ? std::cout : std::cerr) << answer << "\n";
    return ok ? 0 : 1;
}

int firewallStatus(Context& ctx, const Args&) { return firewallAsk(ctx, {firewall::Report::Verb::status, "", 0, ""}); }

int firewallList(Context& ctx, const Args&) {
    std::string answer = firewall::askFirewall(ctx.config.firewall.socket, "list");
    if (answer.rfind("ok\n", 0) != 0) {
        std::cerr << answer << "\n";
        return 1;
    }
    std::cout << "ADDRESS\tSET\tSECONDS LEFT\tSOURCE\tREASON\n" << answer.substr(3);
    return 0;
}

int firewallBlock(Context& ctx, const Args& args) {
    firewall::Report r;
    r.verb = args.option("--tarpit") ? firewall::Report::Verb::tarpit : firewall::Report::Verb::block;
    auto ip = net::parseIp(args.positional[0]);
    if (!ip) throw std::invalid_argument("'" + args.positional[0] + "' is not an IP address");
    r.address = net::canonicalIp(*ip);
    auto duration = args.option("--for");
    r.seconds = duration ? firewall::parseDuration(*duration) : 3600;
    r.reason = "moatctl by " + std::string(std::getenv("SUDO_USER") ? std::getenv("SUDO_USER") : "root");
    return firewallAsk(ctx, r);
}

int firewallUnblock(Context& ctx, const Args& args) {
    auto ip = net::parseIp(args.positional[0]);
    if (!ip) throw std::invalid_argument("'" + args.positional[0] + "' is not an IP address");
    return firewallAsk(ctx, {firewall::Report::Verb::unblock, net::canonicalIp(*ip), 0, ""});
}

int eventsList(Context& ctx, const Args& args) { return moatctl::eventsList(ctx.session, args.option("--since")); }

// --- user -----------------------------------------------------------------

int userAdd(Context& ctx, const Args& args) {
    return moatctl::userAdd(ctx.session, args.positional[0], *args.option("--role"), args.option("--domain"),
                            args.options.count("--password-stdin") > 0, std::cin);
}

int userList(Context& ctx, const Args& /*args*/) { return moatctl::userList(ctx.session); }

int userRemove(Context& ctx, const Args& args) { return moatctl::userRemove(ctx.session, args.positional[0]); }

int userPasswd(Context& ctx, const Args& args) {
    return moatctl::userPasswd(ctx.session, args.positional[0], args.options.count("--password-stdin") > 0,
                               std::cin);
}

int userUnlock(Context& ctx, const Args& args) { return moatctl::userUnlock(ctx.session, args.positional[0]); }
int userSecondFactor(Context& ctx, const Args& args) {
    if (args.positional[0] != "reset") throw std::invalid_argument("usage: moatctl user 2fa reset NAME");
    return moatctl::userSecondFactorReset(ctx.session, args.positional[1]);
}

// --- valid, callout --------------------------------------------------------

std::vector<std::string> rest(const Args& args) {
    return {args.positional.begin() + 1, args.positional.end()};
}

int validAdd(Context& ctx, const Args& args) {
    return moatctl::validAdd(ctx.session, args.positional[0], rest(args));
}

int validPaste(Context& ctx, const Args& args) {
    return moatctl::validPaste(ctx.session, args.positional[0],
                               args.options.count("--replace") > 0, std::cin);
}

int validList(Context& ctx, const Args& args) {
    return moatctl::validList(ctx.session, args.positional[0]);
}

int validCount(Context& ctx, const Args& args) {
    return moatctl::validCount(ctx.session, args.positional[0]);
}

int validRemove(Context& ctx, const Args& args) {
    return moatctl::validRemove(ctx.session, args.positional[0], rest(args));
}

int calloutFlush(Context& ctx, const Args& args) {
    return moatctl::calloutFlush(
        ctx.session, args.positional.empty() ? std::nullopt : std::optional(args.positional[0]));
}

// --- zone -----------------------------------------------------------------

int zoneAdd(Context& ctx, const Args& args) {
    return moatctl::zoneAdd(ctx.session, args.positional[0], args.positional[1], args.option("--weight"),
                            args.option("--mask").value_or(""), args.option("--url").value_or(""),
                            args.option("--note").value_or(""));
}

int zoneList(Context& ctx, const Args& /*args*/) { return moatctl::zoneList(ctx.session); }

int zoneRemove(Context& ctx, const Args& args) {
    return moatctl::zoneRemove(ctx.session, args.positional[0], args.positional[1]);
}

// --- queue ----------------------------------------------------------------

const char* statusName(int status) {
    switch (status) {
        case 0:
            return "pending";
        case 1:
            return "delivered";
        case 2:
            return "failed";
        default:
            return "unknown";
    }
}

int queueList(Context& ctx, const Args& /*args*/) {
    auto entries = queue::listQueue(ctx.session);
    if (entries.empty()) {
        std::cout << "queue is empty\n";
        return 0;
    }
    long long now = store::nowSeconds();
    std::cout << std::left << std::setw(18) << "ID" << std::right << std::setw(10) << "SIZE"
              << std::setw(8) << "AGE" << std::setw(9) << "ATTEMPTS"
              << "  SENDER\n";
    for (const auto& e : entries) {
        std::cout << std::left << std::setw(18) << e.id << std::right << std::setw(10) << e.size
                  << std::setw(8) << age(now - e.created) << std::setw(9) << e.attempts << "  <"
                  << log::printable(e.sender) << ">\n";
        for (const auto& [rcpt, status, reply] : e.recipients) {
            std::cout << "    <" << log::printable(rcpt) << ">  " << statusName(status);
            if (!reply.empty()) std::cout << "  " << log::printable(reply);
            std::cout << "\n";
        }
    }
    std::cout << entries.size() << (entries.size() == 1 ? " message" : " messages") << " queued\n";
    return 0;
}

int queueFlush(Context& ctx, const Args& /*args*/) {
    auto n = queue::flushQueue(ctx.session);
    std::cout << n << (n == 1 ? " message" : " messages") << " scheduled for immediate delivery\n";
    return 0;
}

int queueDelete(Context& ctx, const Args& args) {
    int rc = 0;
    for (const auto& id : args.positional) {
        try {
            if (queue::deleteQueued(ctx.session, ctx.config.spool_dir, id)) {
                std::cout << "deleted " << id << "\n";
            } else {
                std::cerr << "moatctl: no queued message " << log::printable(id, 100) << "\n";
                rc = 1;
            }
        } catch (const std::invalid_argument& e) {
            std::cerr << "moatctl: " << e.what() << "\n";
            rc = 1;
        }
    }
    return rc;
}

// --- content --------------------------------------------------------------

int learn(Context& ctx, const Args& args) {
    bool spam = args.options.count("--spam") > 0;
    if (spam == (args.options.count("--ham") > 0))
        throw UsageError("usage: moatctl learn --spam|--ham PATH...");
    return moatctl::learnMessages(ctx.session, spam, args.positional);
}

int score(Context& ctx, const Args& args) {
    return moatctl::scoreMessages(ctx.config, ctx.session, args.positional);
}

int bayesStats(Context& ctx, const Args& /*args*/) { return moatctl::bayesStats(ctx.session); }

int bayesRetrain(Context& ctx, const Args& /*args*/) { return moatctl::bayesRetrain(ctx.session); }

int bayesExpire(Context& ctx, const Args& args) {
    return moatctl::bayesExpire(ctx.session, args.positional.empty()
                                                 ? std::nullopt
                                                 : std::optional<std::string>(args.positional[0]));
}

// --- backup, restore -----------------------------------------------------

int backup(const store::Store& store, const Args& args) {
    return moatctl::backupWrite(store, args.positional[0], args.options.count("--with-log") > 0);
}

int restore(const store::Store& store, const Args& args) {
    return moatctl::backupRestore(store, args.positional[0], args.options.count("--check") > 0);
}

// --- dispatch -------------------------------------------------------------

// A subcommand: its handler, synopsis, positional argument count, allowed
// and required options, flags and mutually exclusive options. Usage is
// checked before the store is opened. A command without subcommands ("learn")
// has one entry under the empty verb.
struct Command {
    std::function<int(Context&, const Args&)> run = {};
    const char* synopsis;
    std::size_t min_args = 0, max_args = 0;
    std::set<std::string> options = {};
    std::set<std::string> required = {};
    std::set<std::string> flags = {};
    std::set<std::string> exclusive = {};  // at most one of these
    // Instead of run, for the verbs that work on the database file as a whole
    // and must not hold a session on it.
    std::function<int(const store::Store&, const Args&)> run_on_store = {};
};

const std::map<std::string, std::map<std::string, Command>>& commands() {
    constexpr std::size_t many = SIZE_MAX;
    static const std::map<std::string, std::map<std::string, Command>> all = {
        {"domain",
         {
             {"add",
              {domainAdd,
               "domain add NAME --backend HOST[:PORT]",
               1,
               1,
               {"--backend"},
               {"--backend"}}},
             {"list", {domainList, "domain list"}},
             {"remove", {domainRemove, "domain remove NAME", 1, 1}},
         }},
        {"relaynet",
         {
             {"add", {relaynetAdd, "relaynet add CIDR [--note TEXT]", 1, 1, {"--note"}}},
             {"list", {relaynetList, "relaynet list"}},
             {"remove", {relaynetRemove, "relaynet remove CIDR", 1, 1}},
         }},
        {"relay",
         {
             {"add", {relayAdd, "relay add IP [TICKS]", 1, 2}},
             {"delete", {relayDelete, "relay delete IP...", 1, many}},
             {"expire", {relayExpire, "relay expire [MINUTES]", 0, 1}},
             {"list", {relayList, "relay list [MINUTES]", 0, 1}},
             {"dump", {relayDump, "relay dump"}},
             {"load", {relayLoad, "relay load [FILE]", 0, 1}},
         }},
        {"list",
         {
             {"add",
              {listAdd,
               "list add LIST KIND VALUE [--domain NAME] [--note TEXT] [--subdomains]",
               3,
               3,
               {"--domain", "--note"},
               {},
               {"--subdomains"}}},
             {"paste",
              {listPaste,
               "list paste LIST KIND [--domain NAME] [--note TEXT] < FILE",
               2,
               2,
               {"--domain", "--note"}}},
             {"show",
              {listShow,
               "list show [LIST] [--domain NAME|--global]",
               0,
               1,
               {"--domain"},
               {},
               {"--global"},
               {"--domain", "--global"}}},
             {"remove", {listRemove, "list remove ID...", 1, many}},
         }},
        {"setting",
         {
             {"set", {settingSet, "setting set KEY VALUE [--domain NAME]", 2, 2, {"--domain"}}},
             {"unset", {settingUnset, "setting unset KEY [--domain NAME]", 1, 1, {"--domain"}}},
             {"show", {settingShow, "setting show [KEY] [--domain NAME]", 0, 1, {"--domain"}}},
         }},
        {"token",
         {
             {"list", {tokenList, "token list [DOMAIN]", 0, 1}},
             {"revoke", {tokenRevoke, "token revoke TOKEN", 1, 1}},
         }},
        {"user",
         {
             {"add",
              {userAdd,
               "user add NAME --role admin|domain_admin [--domain D[,D...]] [--password-stdin]",
               1,
               1,
               {"--role", "--domain"},
               {"--role"},
               {"--password-stdin"}}},
             {"list", {userList, "user list"}},
             {"remove", {userRemove, "user remove NAME", 1, 1}},
             {"passwd", {userPasswd, "user passwd NAME [--password-stdin]", 1, 1, {}, {}, {"--password-stdin"}}},
             {"unlock", {userUnlock, "user unlock NAME", 1, 1}},
             {"2fa", {userSecondFactor, "user 2fa reset NAME", 2, 2}},
         }},
        {"events",
         {
             {"list", {eventsList, "events list [--since SECONDS]", 0, 0, {"--since"}}},
         }},
        {"valid",
         {
             {"add", {validAdd, "valid add DOMAIN ADDRESS...", 2, many}},
             {"paste",
              {validPaste, "valid paste DOMAIN [--replace] < FILE", 1, 1, {}, {}, {"--replace"}}},
             {"list", {validList, "valid list DOMAIN", 1, 1}},
             {"count", {validCount, "valid count DOMAIN", 1, 1}},
             {"remove", {validRemove, "valid remove DOMAIN ADDRESS...", 2, many}},
         }},
        {"firewall",
         {
             {"status", {firewallStatus, "firewall status"}},
             {"list", {firewallList, "firewall list"}},
             {"block",
              {firewallBlock, "firewall block IP [--for DURATION] [--tarpit]", 1, 1, {"--for"}, {}, {"--tarpit"}}},
             {"unblock", {firewallUnblock, "firewall unblock IP", 1, 1}},
         }},
        {"callout", {{"flush", {calloutFlush, "callout flush [ADDRESS]", 0, 1}}}},
        {"zone",
         {
             {"add",
              {zoneAdd,
               "zone add KIND ZONE [--weight W] [--mask M] [--url TEMPLATE] [--note TEXT]",
               2,
               2,
               {"--weight", "--mask", "--url", "--note"}}},
             {"list", {zoneList, "zone list"}},
             {"remove", {zoneRemove, "zone remove KIND ZONE", 2, 2}},
         }},
        {"archive",
         {
             {"list", {archiveList, "archive list [--limit N]", 0, 0, {"--limit"}}},
             {"release", {archiveRelease, "archive release ID [--by NAME]", 1, 1, {"--by"}}},
         }},
        {"queue",
         {
             {"list", {queueList, "queue list"}},
             {"flush", {queueFlush, "queue flush"}},
             {"delete", {queueDelete, "queue delete ID...", 1, many}},
         }},
        {"learn",
         {
             {"",
              {learn,
               "learn --spam|--ham PATH...",
               1,
               many,
               {},
               {},
               {"--spam", "--ham"},
               {"--spam", "--ham"}}},
         }},
        {"score", {{"", {score, "score PATH...", 1, many}}}},
        {"backup",
         {
             {"",
              {.synopsis = "backup FILE [--with-log]",
               .min_args = 1,
               .max_args = 1,
               .flags = {"--with-log"},
               .run_on_store = backup}},
         }},
        {"restore",
         {
             {"",
              {.synopsis = "restore FILE [--check]",
               .min_args = 1,
               .max_args = 1,
               .flags = {"--check"},
               .run_on_store = restore}},
         }},
        {"bayes",
         {
             {"stats", {bayesStats, "bayes stats"}},
             {"retrain", {bayesRetrain, "bayes retrain"}},
             {"expire", {bayesExpire, "bayes expire [DAYS]", 0, 1}},
         }},
    };
    return all;
}

std::string oneLine(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

int run(std::vector<std::string> argv) {
    std::string config_path = config::kDefaultPath;
    std::size_t i = 0;
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--config") {
            if (i + 1 >= argv.size()) throw UsageError("--config needs a file name");
            config_path = argv[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            config_path = a.substr(9);
        } else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            throw UsageError("unknown option " + log::printable(a, 60));
        } else {
            break;
        }
    }
    if (i == argv.size()) throw UsageError("no command given");
    const std::string& noun = argv[i];
    if (noun == "help") {
        std::cout << kUsage;
        return 0;
    }
    auto group = commands().find(noun);
    if (group == commands().end())
        throw UsageError("unknown command '" + log::printable(noun, 60) + "'");
    auto command = group->second.find("");
    std::size_t first_arg = i + 1;
    if (command == group->second.end()) {
        if (i + 1 == argv.size()) throw UsageError("'" + noun + "' needs a subcommand");
        const std::string& verb = argv[i + 1];
        command = group->second.find(verb);
        if (command == group->second.end())
            throw UsageError("unknown command '" + noun + " " + log::printable(verb, 60) + "'");
        first_arg = i + 2;
    }
    const Command& cmd = command->second;
    Args args = parseArgs({argv.begin() + static_cast<std::ptrdiff_t>(first_arg), argv.end()},
                          cmd.options, cmd.flags);
    if (args.positional.size() < cmd.min_args || args.positional.size() > cmd.max_args)
        throw UsageError(std::string("usage: moatctl ") + cmd.synopsis);
    for (const auto& name : cmd.required)
        if (!args.options.count(name))
            throw UsageError(std::string("usage: moatctl ") + cmd.synopsis);
    std::size_t exclusive = 0;
    for (const auto& name : cmd.exclusive) exclusive += args.options.count(name);
    if (exclusive > 1) throw UsageError(std::string("usage: moatctl ") + cmd.synopsis);

    log::setLevel(log::Level::warning);  // keep migration notices off stdout
    auto config = config::load(config_path);
    auto store = store::Store::open(config.store_url);
    if (cmd.run_on_store) return cmd.run_on_store(*store, args);
    auto session = store->connect();
    Context ctx{config, session};
    return cmd.run(ctx, args);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError& e) {
        std::cerr << "moatctl: " << oneLine(e.what()) << " (see 'moatctl help')\n";
        return 2;
    } catch (const Poco::Exception& e) {
        std::cerr << "moatctl: " << oneLine(e.displayText()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "moatctl: " << oneLine(e.what()) << "\n";
        return 1;
    }
}

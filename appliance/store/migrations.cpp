#include "store/migrations.h"

namespace moat::store {

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1,
         "gateway core: domains, relay networks, POP-before-SMTP, queue, message log",
         {
             // Bumped by triggers whenever relay-relevant data changes, so a
             // running moat-smtpd notices within its poll interval.
             "CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
             "INSERT INTO generation (id, n) VALUES (1, 1)",

             "CREATE TABLE domains ("
             " id INTEGER PRIMARY KEY,"
             " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
             " backend_host TEXT NOT NULL,"
             " backend_port INTEGER NOT NULL DEFAULT 25,"
             " options TEXT NOT NULL DEFAULT '{}',"
             " created INTEGER NOT NULL)",

             "CREATE TABLE relay_networks ("
             " id INTEGER PRIMARY KEY,"
             " cidr TEXT NOT NULL UNIQUE,"
             " note TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL)",

             "CREATE TABLE pop_relayers (ip TEXT PRIMARY KEY, ts INTEGER NOT NULL)",

             "CREATE TABLE queue ("
             " id TEXT PRIMARY KEY,"
             " sender TEXT NOT NULL,"
             " size INTEGER NOT NULL,"
             " created INTEGER NOT NULL,"
             " next_attempt INTEGER NOT NULL,"
             " attempts INTEGER NOT NULL DEFAULT 0,"
             " client_ip TEXT NOT NULL DEFAULT '',"
             " flags INTEGER NOT NULL DEFAULT 0)",
             "CREATE INDEX queue_next ON queue (next_attempt)",

             // status: 0 pending, 1 delivered, 2 failed permanently (DSN sent)
             "CREATE TABLE queue_rcpt ("
             " queue_id TEXT NOT NULL REFERENCES queue (id) ON DELETE CASCADE,"
             " rcpt TEXT NOT NULL,"
             " status INTEGER NOT NULL DEFAULT 0,"
             " last_reply TEXT NOT NULL DEFAULT '',"
             " PRIMARY KEY (queue_id, rcpt))",

             "CREATE TABLE message_log ("
             " id INTEGER PRIMARY KEY,"
             " ts INTEGER NOT NULL,"
             " client_ip TEXT NOT NULL,"
             " client_name TEXT NOT NULL,"
             " helo TEXT NOT NULL,"
             " tls TEXT NOT NULL,"
             " sender TEXT NOT NULL,"
             " recipients TEXT NOT NULL,"
             " size INTEGER NOT NULL,"
             " queue_id TEXT NOT NULL,"
             " outcome TEXT NOT NULL,"
             " reason TEXT NOT NULL)",
             "CREATE INDEX message_log_ts ON message_log (ts)",
             "CREATE INDEX message_log_queue ON message_log (queue_id)",

             "CREATE TRIGGER domains_i AFTER INSERT ON domains BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER domains_u AFTER UPDATE ON domains BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER domains_d AFTER DELETE ON domains BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER relaynet_i AFTER INSERT ON relay_networks BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER relaynet_d AFTER DELETE ON relay_networks BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER pop_i AFTER INSERT ON pop_relayers BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER pop_u AFTER UPDATE ON pop_relayers BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER pop_d AFTER DELETE ON pop_relayers BEGIN UPDATE generation SET n = n + 1; END",
         }},
        {2,
         "SMTP-time policy: settings, lists, greylisting, transaction checks in the message log",
         {
             // Global policy settings (key -> value text); per-domain overrides
             // live in domains.options (a JSON object with the same keys).
             "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",

             // White/black lists. domain_id 0 is the global list. list: allow,
             // deny, passthrough (recipient accepted from anyone), exception
             // (skips the DNS checks). kind: sender, sender_domain, client
             // (IP or CIDR), recipient, domain (exception by client/sender domain).
             "CREATE TABLE list_entries ("
             " id INTEGER PRIMARY KEY,"
             " domain_id INTEGER NOT NULL DEFAULT 0,"
             " list TEXT NOT NULL CHECK (list IN ('allow', 'deny', 'passthrough', 'exception')),"
             " kind TEXT NOT NULL CHECK (kind IN ('sender', 'sender_domain', 'client', 'recipient', 'domain')),"
             " value TEXT NOT NULL,"
             " subdomains INTEGER NOT NULL DEFAULT 0,"
             " note TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " hits INTEGER NOT NULL DEFAULT 0,"
             " last_hit INTEGER NOT NULL DEFAULT 0,"
             " UNIQUE (domain_id, list, kind, value))",
             "CREATE INDEX list_entries_domain ON list_entries (domain_id)",

             // Greylisting triplets (client network, sender, recipient) and
             // clients whitelisted automatically after passing often enough.
             "CREATE TABLE greylist ("
             " client_net TEXT NOT NULL,"
             " sender TEXT NOT NULL,"
             " recipient TEXT NOT NULL,"
             " first_seen INTEGER NOT NULL,"
             " last_seen INTEGER NOT NULL,"
             " passed INTEGER NOT NULL DEFAULT 0,"
             " PRIMARY KEY (client_net, sender, recipient))",
             "CREATE INDEX greylist_last_seen ON greylist (last_seen)",
             "CREATE TABLE greylist_clients ("
             " client_net TEXT PRIMARY KEY,"
             " passes INTEGER NOT NULL DEFAULT 0,"
             " last_seen INTEGER NOT NULL)",

             "ALTER TABLE message_log ADD COLUMN checks TEXT NOT NULL DEFAULT ''",

             "CREATE TRIGGER settings_i AFTER INSERT ON settings BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER settings_u AFTER UPDATE ON settings BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER settings_d AFTER DELETE ON settings BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER lists_i AFTER INSERT ON list_entries BEGIN UPDATE generation SET n = n + 1; END",
             // Hit counters change constantly and must not trigger reloads.
             "CREATE TRIGGER lists_u AFTER UPDATE OF domain_id, list, kind, value, subdomains, note ON list_entries"
             " BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER lists_d AFTER DELETE ON list_entries BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER domains_lists_d AFTER DELETE ON domains"
             " BEGIN DELETE FROM list_entries WHERE domain_id = OLD.id; END",
         }},
        {3,
         "SMTP-time checks: DNS zones, valid addresses, callout cache, one-time tokens, client events",
         {
             // DNS zones the checks query. kind: dnsbl (client IP), rhsbl (sender
             // domain and HELO name), uribl (URIs in content), country (one zone in
             // the zz.countries.nerd.dk style). mask: the answers that count as a
             // listing ("127.0.0.2-127.0.0.11,127.0.0.20"; empty: any 127.x.y.z).
             // url: shown in refusals, {ip} / {domain} / {zone} replaced.
             "CREATE TABLE dns_zones ("
             " id INTEGER PRIMARY KEY,"
             " kind TEXT NOT NULL CHECK (kind IN ('dnsbl', 'rhsbl', 'uribl', 'country')),"
             " zone TEXT NOT NULL COLLATE NOCASE,"
             " weight REAL NOT NULL DEFAULT 5,"
             " mask TEXT NOT NULL DEFAULT '',"
             " url TEXT NOT NULL DEFAULT '',"
             " note TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " UNIQUE (kind, zone))",

             // Recipient list validation: the addresses a domain accepts mail for,
             // canonical "local@domain" in lower case.
             "CREATE TABLE valid_addresses ("
             " domain_id INTEGER NOT NULL,"
             " address TEXT NOT NULL,"
             " created INTEGER NOT NULL,"
             " PRIMARY KEY (domain_id, address))",

             // SMTP callout results (recipient validation by the backend), so a
             // restart does not ask again. result: valid | invalid.
             "CREATE TABLE callout_cache ("
             " address TEXT PRIMARY KEY,"
             " result TEXT NOT NULL CHECK (result IN ('valid', 'invalid')),"
             " reply TEXT NOT NULL DEFAULT '',"
             " checked INTEGER NOT NULL,"
             " expires INTEGER NOT NULL)",
             "CREATE INDEX callout_cache_expires ON callout_cache (expires)",

             // Whitelist-only mode: one-time token addresses handed out in 550
             // replies. used: when the token was spent (0: still valid).
             "CREATE TABLE tokens ("
             " token TEXT PRIMARY KEY,"
             " domain_id INTEGER NOT NULL,"
             " recipient TEXT NOT NULL,"
             " sender TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " expires INTEGER NOT NULL,"
             " used INTEGER NOT NULL DEFAULT 0)",
             "CREATE INDEX tokens_expires ON tokens (expires)",

             // Client behaviour events (directory harvesting, many rejections) for
             // the firewall agent to act on.
             "CREATE TABLE client_events ("
             " id INTEGER PRIMARY KEY,"
             " ts INTEGER NOT NULL,"
             " ip TEXT NOT NULL,"
             " kind TEXT NOT NULL,"
             " detail TEXT NOT NULL DEFAULT '')",
             "CREATE INDEX client_events_ts ON client_events (ts)",

             "CREATE TRIGGER dns_zones_i AFTER INSERT ON dns_zones BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER dns_zones_u AFTER UPDATE ON dns_zones BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER dns_zones_d AFTER DELETE ON dns_zones BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER valid_i AFTER INSERT ON valid_addresses BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER valid_d AFTER DELETE ON valid_addresses BEGIN UPDATE generation SET n = n + 1; END",
             "CREATE TRIGGER domains_valid_d AFTER DELETE ON domains"
             " BEGIN DELETE FROM valid_addresses WHERE domain_id = OLD.id;"
             " DELETE FROM tokens WHERE domain_id = OLD.id; END",
         }},
        {4,
         "content scanning: Bayesian token counts, learnt-message totals and identities",
         {
             // One row per token hash (64-bit, stored signed): in how many learnt
             // spam and ham messages it occurred, and when it was last learnt.
             "CREATE TABLE bayes_tokens ("
             " hash INTEGER PRIMARY KEY,"
             " spam INTEGER NOT NULL DEFAULT 0,"
             " ham INTEGER NOT NULL DEFAULT 0,"
             " last_seen INTEGER NOT NULL)",
             "CREATE INDEX bayes_tokens_last_seen ON bayes_tokens (last_seen)",

             // How many messages each class was learnt from (the denominators).
             "CREATE TABLE bayes_totals ("
             " id INTEGER PRIMARY KEY CHECK (id = 1),"
             " spam_messages INTEGER NOT NULL DEFAULT 0,"
             " ham_messages INTEGER NOT NULL DEFAULT 0)",
             "INSERT INTO bayes_totals (id, spam_messages, ham_messages) VALUES (1, 0, 0)",

             // Messages already learnt (by digest), so learning one twice does
             // nothing and learning it as the other class moves its counts.
             "CREATE TABLE bayes_seen ("
             " digest INTEGER PRIMARY KEY,"
             " spam INTEGER NOT NULL,"
             " learnt INTEGER NOT NULL)",
             "CREATE INDEX bayes_seen_learnt ON bayes_seen (learnt)",
         }},
    };
    return all;
}

}  // namespace moat::store

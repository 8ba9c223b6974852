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
        {5,
         "console: accounts, sessions, API tokens, audit log, archive, release requests, traffic statistics",
         {
             // Console accounts. role: admin (everything) or domain_admin (the
             // domains in user_domains: their lists, valid addresses, log and
             // archive). password: libsodium crypto_pwhash_str (Argon2id); ''
             // means no password is set yet (the account cannot log in).
             // failed_logins counts failures since failed_since (the login
             // lockout's window); locked_until: no login before this time.
             "CREATE TABLE users ("
             " id INTEGER PRIMARY KEY,"
             " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
             " password TEXT NOT NULL DEFAULT '',"
             " role TEXT NOT NULL CHECK (role IN ('admin', 'domain_admin')),"
             " created INTEGER NOT NULL,"
             " failed_logins INTEGER NOT NULL DEFAULT 0,"
             " failed_since INTEGER NOT NULL DEFAULT 0,"
             " locked_until INTEGER NOT NULL DEFAULT 0,"
             " last_login INTEGER NOT NULL DEFAULT 0)",
             "CREATE TABLE user_domains ("
             " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " domain_id INTEGER NOT NULL,"
             " PRIMARY KEY (user_id, domain_id))",
             "CREATE TRIGGER domains_users_d AFTER DELETE ON domains"
             " BEGIN DELETE FROM user_domains WHERE domain_id = OLD.id; END",

             // Browser sessions. id: SHA-256 (hex) of the cookie value, so a
             // stolen database holds no usable session; csrf: the token every
             // state-changing request must carry.
             "CREATE TABLE web_sessions ("
             " id TEXT PRIMARY KEY,"
             " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " csrf TEXT NOT NULL,"
             " client_ip TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " last_seen INTEGER NOT NULL,"
             " expires INTEGER NOT NULL)",
             "CREATE INDEX web_sessions_expires ON web_sessions (expires)",

             // API tokens for scripts (Authorization: Bearer), stored as SHA-256 hex.
             "CREATE TABLE api_tokens ("
             " id INTEGER PRIMARY KEY,"
             " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " name TEXT NOT NULL,"
             " token_hash TEXT NOT NULL UNIQUE,"
             " created INTEGER NOT NULL,"
             " last_used INTEGER NOT NULL DEFAULT 0)",

             // Failed logins by client address (the per-IP login rate limit) and
             // the one-time first-run link (SHA-256 hex of its secret).
             "CREATE TABLE login_failures (ip TEXT NOT NULL, ts INTEGER NOT NULL)",
             "CREATE INDEX login_failures_ip ON login_failures (ip, ts)",
             "CREATE TABLE first_run (token_hash TEXT PRIMARY KEY, created INTEGER NOT NULL, expires INTEGER NOT NULL)",

             // Who changed what, from the console, the API and moatctl.
             "CREATE TABLE audit_log ("
             " id INTEGER PRIMARY KEY,"
             " ts INTEGER NOT NULL,"
             " user TEXT NOT NULL,"
             " client_ip TEXT NOT NULL DEFAULT '',"
             " action TEXT NOT NULL,"
             " target TEXT NOT NULL DEFAULT '',"
             " detail TEXT NOT NULL DEFAULT '')",
             "CREATE INDEX audit_log_ts ON audit_log (ts)",

             // The message log learns what the console searches and shows.
             // category: the dashboard's series — accepted, tagged, rejected,
             // tempfailed, virus (and learnt, aborted, which it does not draw).
             // refused_by: the check that refused ('' when none did).
             "ALTER TABLE message_log ADD COLUMN subject TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN from_header TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN message_id TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN score REAL NOT NULL DEFAULT 0",
             "ALTER TABLE message_log ADD COLUMN category TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN refused_by TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN refused_recipients TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE message_log ADD COLUMN archive_id INTEGER NOT NULL DEFAULT 0",
             // The recipient domains of each log row (accepted and refused
             // recipients alike): what a domain administrator may see.
             "CREATE TABLE message_log_domains ("
             " domain TEXT NOT NULL COLLATE NOCASE,"
             " log_id INTEGER NOT NULL,"
             " PRIMARY KEY (domain, log_id)) WITHOUT ROWID",
             "CREATE INDEX message_log_domains_log ON message_log_domains (log_id)",

             // The archive (not a quarantine): every message whose content was
             // received, accepted or refused after DATA, kept for
             // archive.retention within archive.quota. file: name under
             // [archive] dir (a hard link to the spool file where possible).
             // outcome: accepted | tagged | rejected | virus.
             "CREATE TABLE archive ("
             " id INTEGER PRIMARY KEY,"
             " ts INTEGER NOT NULL,"
             " log_id INTEGER NOT NULL DEFAULT 0,"
             " file TEXT NOT NULL UNIQUE,"
             " size INTEGER NOT NULL,"
             " client_ip TEXT NOT NULL,"
             " sender TEXT NOT NULL,"
             " recipients TEXT NOT NULL,"
             " subject TEXT NOT NULL DEFAULT '',"
             " from_header TEXT NOT NULL DEFAULT '',"
             " message_id TEXT NOT NULL DEFAULT '',"
             " outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'tagged', 'rejected', 'virus')),"
             " reason TEXT NOT NULL DEFAULT '',"
             " released INTEGER NOT NULL DEFAULT 0,"
             " last_release INTEGER NOT NULL DEFAULT 0)",
             "CREATE INDEX archive_ts ON archive (ts)",
             "CREATE TABLE archive_domains ("
             " domain TEXT NOT NULL COLLATE NOCASE,"
             " archive_id INTEGER NOT NULL,"
             " PRIMARY KEY (domain, archive_id)) WITHOUT ROWID",
             "CREATE INDEX archive_domains_archive ON archive_domains (archive_id)",

             // Release requests from the console; moat-smtpd carries them out
             // (re-queues the archived message to its original recipients)
             // within a second. status: pending | done | failed.
             "CREATE TABLE release_requests ("
             " id INTEGER PRIMARY KEY,"
             " archive_id INTEGER NOT NULL,"
             " requested_by TEXT NOT NULL,"
             " requested INTEGER NOT NULL,"
             " status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),"
             " queue_id TEXT NOT NULL DEFAULT '',"
             " detail TEXT NOT NULL DEFAULT '',"
             " finished INTEGER NOT NULL DEFAULT 0)",
             "CREATE INDEX release_requests_status ON release_requests (status)",

             // Dashboard aggregates, kept by moat-smtpd as it logs: messages per
             // hour (epoch seconds / 3600) and category, refusals per hour and
             // refusing check, and per sending MTA its connections and how many
             // were wanted (delivered mail) or unwanted (refused, tagged, virus).
             "CREATE TABLE traffic_hourly ("
             " hour INTEGER NOT NULL,"
             " category TEXT NOT NULL,"
             " n INTEGER NOT NULL DEFAULT 0,"
             " PRIMARY KEY (hour, category)) WITHOUT ROWID",
             "CREATE TABLE refusals_hourly ("
             " hour INTEGER NOT NULL,"
             " check_name TEXT NOT NULL,"
             " n INTEGER NOT NULL DEFAULT 0,"
             " PRIMARY KEY (hour, check_name)) WITHOUT ROWID",
             "CREATE TABLE mta_stats ("
             " ip TEXT PRIMARY KEY,"
             " name TEXT NOT NULL DEFAULT '',"
             " connections INTEGER NOT NULL DEFAULT 0,"
             " wanted INTEGER NOT NULL DEFAULT 0,"
             " unwanted INTEGER NOT NULL DEFAULT 0,"
             " first_seen INTEGER NOT NULL,"
             " last_seen INTEGER NOT NULL)",
             "CREATE INDEX mta_stats_last_seen ON mta_stats (last_seen)",

             // Liveness of each daemon that can reach the store (moat-smtpd
             // writes its row every few seconds), for the System page.
             "CREATE TABLE service_status ("
             " name TEXT PRIMARY KEY,"
             " pid INTEGER NOT NULL,"
             " started INTEGER NOT NULL,"
             " heartbeat INTEGER NOT NULL,"
             " detail TEXT NOT NULL DEFAULT '')",
         }},
        {6,
         "content classifier: logistic weights, bias and calibration, examples for retraining",
         {
             // The logistic model's weight of each token (0 until learnt or
             // retrained), its bias and the calibration of the fused evidence
             // (docs/content-scoring.md).
             "ALTER TABLE bayes_tokens ADD COLUMN weight REAL NOT NULL DEFAULT 0",
             "ALTER TABLE bayes_totals ADD COLUMN bias REAL NOT NULL DEFAULT 0",
             "ALTER TABLE bayes_totals ADD COLUMN calibration_scale REAL NOT NULL DEFAULT 1",
             "ALTER TABLE bayes_totals ADD COLUMN calibration_shift REAL NOT NULL DEFAULT 0",
             // Moves on with every change, so in-memory copies know to reload.
             "ALTER TABLE bayes_totals ADD COLUMN generation INTEGER NOT NULL DEFAULT 0",
             // The most recent learnt messages' tokens (content/feature_blob.h),
             // so retraining sees every class in a fixed order whatever order
             // they were learnt in.
             "CREATE TABLE bayes_examples ("
             " digest INTEGER PRIMARY KEY,"
             " spam INTEGER NOT NULL,"
             " learnt INTEGER NOT NULL,"
             " features BLOB NOT NULL)",
             "CREATE INDEX bayes_examples_learnt ON bayes_examples (learnt)",
         }},
        {7,
         "console hardening: one row per recipient of each log row and archive entry, "
         "release requests carry the recipients they deliver to, login attempts by name, two-factor login",
         {
             // Each recipient of a log row (refused = 1: one of its
             // refused_recipients) and of an archive entry, with its domain, so
             // a domain administrator's search and view are scoped to its own
             // recipients in SQL (docs/tenant-isolation.md). Written with the
             // row by store::insertTransactionLog; the statements below fill
             // them for rows written before this version (the comma-separated
             // lists split the way api::addressArray reads them).
             "CREATE TABLE message_log_recipients ("
             " log_id INTEGER NOT NULL,"
             " domain TEXT NOT NULL COLLATE NOCASE,"
             " address TEXT NOT NULL,"
             " refused INTEGER NOT NULL DEFAULT 0)",
             "CREATE INDEX message_log_recipients_log ON message_log_recipients (log_id)",
             "CREATE INDEX message_log_recipients_domain ON message_log_recipients (domain, log_id)",
             "CREATE TABLE archive_recipients ("
             " archive_id INTEGER NOT NULL,"
             " domain TEXT NOT NULL COLLATE NOCASE,"
             " address TEXT NOT NULL)",
             "CREATE INDEX archive_recipients_archive ON archive_recipients (archive_id)",
             "CREATE INDEX archive_recipients_domain ON archive_recipients (domain, archive_id)",
             "INSERT INTO message_log_recipients (log_id, domain, address, refused)"
             " WITH RECURSIVE split(id, refused, rest, addr) AS ("
             "  SELECT id, 0, recipients || ',', NULL FROM message_log"
             "  UNION ALL SELECT id, 1, refused_recipients || ',', NULL FROM message_log"
             "  UNION ALL SELECT id, refused, substr(rest, instr(rest, ',') + 1),"
             "   trim(substr(rest, 1, instr(rest, ',') - 1), ' <>') FROM split WHERE rest <> '')"
             " SELECT id, CASE WHEN instr(addr, '@') = 0 THEN '' ELSE"
             "  lower(substr(addr, length(rtrim(addr, replace(addr, '@', ''))) + 1)) END, addr, refused"
             " FROM split WHERE addr IS NOT NULL AND addr <> ''",
             "INSERT INTO archive_recipients (archive_id, domain, address)"
             " WITH RECURSIVE split(id, rest, addr) AS ("
             "  SELECT id, recipients || ',', NULL FROM archive"
             "  UNION ALL SELECT id, substr(rest, instr(rest, ',') + 1),"
             "   trim(substr(rest, 1, instr(rest, ',') - 1), ' <>') FROM split WHERE rest <> '')"
             " SELECT id, CASE WHEN instr(addr, '@') = 0 THEN '' ELSE"
             "  lower(substr(addr, length(rtrim(addr, replace(addr, '@', ''))) + 1)) END, addr"
             " FROM split WHERE addr IS NOT NULL AND addr <> ''",
             // The envelope recipients a release delivers to, fixed when it is
             // requested: all of the entry's for an administrator, only those in
             // its domains for a domain administrator. A request still pending
             // from before this version gets its entry's recipients only if an
             // administrator asked; a domain administrator's fails (no
             // recipients) rather than reach another domain.
             "ALTER TABLE release_requests ADD COLUMN recipients TEXT NOT NULL DEFAULT ''",
             // Login throttling counts attempts by name too (known and unknown
             // names alike, so the answers cannot tell them apart); a row is
             // written before a password is checked (web::LoginLimiter).
             "ALTER TABLE login_failures ADD COLUMN name TEXT NOT NULL DEFAULT '' COLLATE NOCASE",
             "CREATE INDEX login_failures_name ON login_failures (name, ip, ts)",
             // Two-factor login (TOTP, RFC 6238; web/totp.h): the account's
             // secret (hex; totp_pending until the first code confirms it),
             // the last time step used (a code works once), whether the account
             // must use it, and its one-time recovery codes (SHA-256 hex only).
             "ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE users ADD COLUMN totp_required INTEGER NOT NULL DEFAULT 0",
             "CREATE TABLE user_recovery_codes ("
             " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " code_hash TEXT NOT NULL,"
             " PRIMARY KEY (user_id, code_hash)) WITHOUT ROWID",
             "UPDATE release_requests SET recipients = COALESCE((SELECT a.recipients FROM archive a"
             " WHERE a.id = release_requests.archive_id), '') WHERE status = 'pending' AND"
             " requested_by IN (SELECT name FROM users WHERE role = 'admin')",
         }},
        {8,
         "firewall: the sources moat-firewall blocks or tarpits, restored after a restart",
         {
             "CREATE TABLE firewall_blocks ("
             " ip TEXT PRIMARY KEY,"
             " set_name TEXT NOT NULL CHECK (set_name IN ('blocked', 'tarpit')),"
             " reason TEXT NOT NULL DEFAULT '',"
             " source TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " until INTEGER NOT NULL)",
             "CREATE INDEX firewall_blocks_until ON firewall_blocks (until)",
         }},
        {9,
         "monitoring: moat-smtpd's DNS query times, for GET /metrics",
         {
             // Since moat-smtpd started, per record type: queries answered (or
             // failed) on the wire, their summed time, and cumulative counts at
             // or under each bucket bound (microseconds); rewritten with every
             // heartbeat (store/dns_latency.h).
             "CREATE TABLE dns_latency ("
             " type TEXT PRIMARY KEY,"
             " count INTEGER NOT NULL,"
             " sum_us INTEGER NOT NULL,"
             " updated INTEGER NOT NULL)",
             "CREATE TABLE dns_latency_buckets ("
             " type TEXT NOT NULL,"
             " le_us INTEGER NOT NULL,"
             " count INTEGER NOT NULL,"
             " PRIMARY KEY (type, le_us)) WITHOUT ROWID",
         }},
        {10,
         "firewall: SSH and the console each with their own rate (firewall.admin_rate split in two)",
         {
             "INSERT OR IGNORE INTO settings (key, value) SELECT 'firewall.ssh_rate', value FROM settings"
             " WHERE key = 'firewall.admin_rate'",
             "INSERT OR IGNORE INTO settings (key, value) SELECT 'firewall.console_rate', value FROM settings"
             " WHERE key = 'firewall.admin_rate'",
             "DELETE FROM settings WHERE key = 'firewall.admin_rate'",
         }},
        {11,
         "content: the version of the classifier's logistic model kept with its weights",
         {
             // Version 2 weighs each of a message's n features n^-1/3
             // (content/logistic_model.h); weights learnt before (version 1,
             // binary features) are left out of scoring until the next
             // retraining replaces them. A store with no weight learnt yet
             // starts at version 2.
             "ALTER TABLE bayes_totals ADD COLUMN model_version INTEGER NOT NULL DEFAULT 1",
             "UPDATE bayes_totals SET model_version = 2"
             " WHERE NOT EXISTS (SELECT 1 FROM bayes_tokens WHERE weight != 0) AND bias = 0",
         }},
        {12,
         "content: whether each learnt message is counted in the Bayes counts (training on errors)",
         {
             // A retraining counts only the kept examples Bayes was not yet
             // sure of (content/tone_selection.h); every message learnt before
             // this version was counted.
             "ALTER TABLE bayes_seen ADD COLUMN counted INTEGER NOT NULL DEFAULT 1",
         }},
        {13,
         "content: the Bayes model's weight beside the logistic one's, fitted with the calibration",
         {
             // A retraining fits it on held-out outputs (content/calibration.h);
             // the calibration stored before was fitted with the fixed 0.5.
             "ALTER TABLE bayes_totals ADD COLUMN calibration_bayes_weight REAL NOT NULL DEFAULT 0.5",
         }},
        {14,
         "content: a character-level model of each class, built at each retraining, as a third opinion",
         {
             // Each kept example's text as the character model reads it
             // (content/char_model.h: Subject, From and text parts, at most
             // 2,000 bytes); examples kept before this version have none (NULL,
             // as has an empty text) and count for the token models only.
             "ALTER TABLE bayes_examples ADD COLUMN text BLOB",
             // Its weight in the evidence, fitted with the calibration (0: none).
             "ALTER TABLE bayes_totals ADD COLUMN calibration_char_weight REAL NOT NULL DEFAULT 0",
             // The model the last retraining built from those texts, as bytes;
             // stamp moves on with each, so copies in memory know to reload it.
             "CREATE TABLE bayes_char_model ("
             " id INTEGER PRIMARY KEY CHECK (id = 1),"
             " model BLOB NOT NULL,"
             " stamp INTEGER NOT NULL)",
         }},
        {15,
         "content: the character model reads the header fields the sender wrote too",
         {
             // Texts kept before this version have no header fields: a model
             // learnt from them beside new ones would know those fields from
             // the new examples' classes alone. They are dropped (as for
             // examples kept before version 14); the next retraining builds
             // the model from examples learnt since. Until then the stored
             // model scores texts as it was built for (content/char_model.h).
             "UPDATE bayes_examples SET text = NULL",
         }},
    };
    return all;
}

}  // namespace moat::store

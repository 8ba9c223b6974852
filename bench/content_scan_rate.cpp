// content_scan_rate: messages per second of moat-smtpd's content scan, in one
// process, for bench/content_accuracy.py. Every message is read into memory
// first; then each timed pass runs, per message, what the gateway runs after
// DATA: MIME decoding, the content score (Bayes classifier against the store
// of --config, heuristics, GTUBE), and URI extraction reduced to the names a
// URI blocklist would be asked about (no DNS). With --clamav-db DIR a second
// pass adds a libclamav scan of the raw message with the signatures of DIR.
// A measurement, not a test: it prints rates and checks nothing.
//
// usage: content_scan_rate --config FILE [--clamav-db DIR] [--runs N] FILE...
// Output, one "key value..." line each: messages, bytes, content_runs and
// content_msgs_per_s (wall clock, median), content_cpu_runs and
// content_msgs_per_cpu_s (per second of this process' user + system CPU time,
// which a busy machine disturbs less), and with --clamav-db the same for
// clamav_*, plus clamav_signatures and clamav_infected.
#include <clamav.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "content/bayes_classifier.h"
#include "content/bayes_store.h"
#include "content/mbox_reader.h"
#include "content/message_score.h"
#include "content/mime_decoder.h"
#include "content/token_table.h"
#include "policy/uribl_lookup.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

namespace {

using namespace moat;
using Clock = std::chrono::steady_clock;

// The messages of a file as `moatctl score` sees them: an mbox (the public
// corpus' files start with a "From " line) gives its messages, any other file is one.
void readMessages(const std::string& path, std::vector<std::string>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::string data = std::move(bytes).str();
    if (data.rfind("From ", 0) != 0) {
        out.push_back(std::move(data));
        return;
    }
    content::MboxReader reader([&](std::string message, bool) { out.push_back(std::move(message)); });
    reader.feed(data);
    reader.finish();
}

struct ClamEngine {
    cl_engine* engine = nullptr;
    unsigned signatures = 0;
    ~ClamEngine() {
        if (engine) cl_engine_free(engine);
    }
};

// As moat-scand builds its engine (services/scand/signature_engine.cpp), cache off.
void loadClamav(const std::string& dir, ClamEngine& clam) {
    cl_error_t r = cl_init(CL_INIT_DEFAULT);
    if (r != CL_SUCCESS) throw std::runtime_error(std::string("cl_init: ") + cl_strerror(r));
    clam.engine = cl_engine_new();
    if (!clam.engine) throw std::runtime_error("cl_engine_new failed");
    config::Scan defaults;
    cl_engine_set_num(clam.engine, CL_ENGINE_MAX_FILESIZE, static_cast<long long>(defaults.max_filesize));
    cl_engine_set_num(clam.engine, CL_ENGINE_MAX_SCANSIZE, static_cast<long long>(defaults.max_scansize));
    cl_engine_set_num(clam.engine, CL_ENGINE_MAX_RECURSION, defaults.max_recursion);
    cl_engine_set_num(clam.engine, CL_ENGINE_MAX_FILES, defaults.max_files);
    // Each pass scans the same messages again: the result cache would turn the
    // second pass into lookups (moat-scand disables it too).
    cl_engine_set_num(clam.engine, CL_ENGINE_DISABLE_CACHE, 1);
    r = cl_load(dir.c_str(), clam.engine, &clam.signatures, CL_DB_STDOPT);
    if (r != CL_SUCCESS) throw std::runtime_error("loading " + dir + ": " + cl_strerror(r));
    if (clam.signatures == 0) throw std::runtime_error("no signatures in " + dir);
    r = cl_engine_compile(clam.engine);
    if (r != CL_SUCCESS) throw std::runtime_error(std::string("compiling signatures: ") + cl_strerror(r));
}

// One message through libclamav, from memory; true when a signature matched.
bool clamScan(const ClamEngine& clam, const std::string& raw) {
    cl_fmap_t* map = cl_fmap_open_memory(raw.data(), raw.size());
    if (!map) throw std::runtime_error("cl_fmap_open_memory failed");
    cl_scan_options options{};
    options.general = CL_SCAN_GENERAL_HEURISTICS;  // as moat-scand
    options.parse = ~0u;
    const char* name = nullptr;
    unsigned long scanned = 0;
    cl_error_t r = cl_scanmap_callback(map, nullptr, &name, &scanned, clam.engine, &options, nullptr);
    cl_fmap_close(map);
    if (r != CL_CLEAN && r != CL_VIRUS) throw std::runtime_error(std::string("cl_scanmap: ") + cl_strerror(r));
    return r == CL_VIRUS;
}

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

struct Pass {
    double seconds = 0;
    double cpu_seconds = 0;
    double score_sum = 0;   // kept so that no work can be optimised away
    std::size_t names = 0;  // URI blocklist names found
    std::size_t infected = 0;
};

// The content scan as the gateway runs it after DATA, minus DNS.
Pass runPass(const std::vector<std::string>& messages, content::BayesClassifier& classifier,
             const ClamEngine* clam) {
    Pass pass;
    std::int64_t now = util::policyNow();
    double cpu_start = cpuSeconds();
    auto start = Clock::now();
    for (const auto& raw : messages) {
        auto message = content::decodeMessage(raw);
        auto score = content::scoreMessage(raw, message, classifier, now);
        pass.score_sum += score.total();
        if (!score.gtube) pass.names += policy::uriblNames(score.uri_hosts).size();
        if (clam && clamScan(*clam, raw)) ++pass.infected;
    }
    pass.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pass.cpu_seconds = cpuSeconds() - cpu_start;
    return pass;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void printRates(const std::string& what, const std::string& unit, const std::vector<double>& rates) {
    std::cout << what << "_runs";
    for (double r : rates) std::cout << " " << r;
    std::cout << "\n" << what.substr(0, what.find('_')) << "_msgs_per_" << unit << " " << median(rates) << "\n";
}

int run(int argc, char** argv) {
    std::string config_path, clamav_db;
    int runs = 3;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "--config") config_path = value();
        else if (a == "--clamav-db") clamav_db = value();
        else if (a == "--runs") runs = std::stoi(value());
        else if (a.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + a);
        else files.push_back(a);
    }
    if (config_path.empty() || files.empty() || runs < 1)
        throw std::invalid_argument("usage: content_scan_rate --config FILE [--clamav-db DIR] [--runs N] FILE...");

    log::setLevel(log::Level::warning);
    auto config = config::load(config_path);
    auto store = store::Store::open(config.store_url);
    auto session = store->connect();
    content::BayesStore bayes_store(session);
    // As the gateway: an in-memory copy of the classifier, loaded before.
    content::BayesClassifier classifier(bayes_store, content::TokenTable::load(bayes_store));

    std::vector<std::string> messages;
    for (const auto& f : files) readMessages(f, messages);
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.size();
    std::cout << "messages " << messages.size() << "\nbytes " << bytes << "\n";

    ClamEngine clam;
    if (!clamav_db.empty()) loadClamav(clamav_db, clam);

    // One unmeasured pass warms the page cache of the store and the allocator.
    runPass(messages, classifier, nullptr);
    std::vector<double> content_rates, clam_rates, content_cpu, clam_cpu;
    double n = static_cast<double>(messages.size());
    std::size_t infected = 0;
    for (int r = 0; r < runs; ++r) {
        Pass p = runPass(messages, classifier, nullptr);
        content_rates.push_back(n / p.seconds);
        content_cpu.push_back(n / p.cpu_seconds);
        if (!clamav_db.empty()) {
            Pass c = runPass(messages, classifier, &clam);
            clam_rates.push_back(n / c.seconds);
            clam_cpu.push_back(n / c.cpu_seconds);
            infected = c.infected;
        }
    }
    printRates("content", "s", content_rates);
    printRates("content_cpu", "cpu_s", content_cpu);
    if (!clamav_db.empty()) {
        std::cout << "clamav_signatures " << clam.signatures << "\n";
        printRates("clamav", "s", clam_rates);
        printRates("clamav_cpu", "cpu_s", clam_cpu);
        std::cout << "clamav_infected " << infected << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "content_scan_rate: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "content_scan_rate: " << e.what() << "\n";
        return 1;
    }
}

#include "signature_engine.h"

#include <filesystem>

namespace moat::scand {

std::shared_ptr<const SignatureEngine> SignatureEngine::build(const config::Scan& cfg,
                                                              const std::vector<std::string>& dirs,
                                                              std::string& problem) {
    struct Owner {
        cl_engine* e = cl_engine_new();
        ~Owner() {
            if (e) cl_engine_free(e);
        }
    } owner;
    if (!owner.e) {
        problem = "cl_engine_new failed";
        return nullptr;
    }
    // ClamAV's limits: what it unpacks before it stops looking deeper.
    cl_engine_set_num(owner.e, CL_ENGINE_MAX_FILESIZE, static_cast<long long>(cfg.max_filesize));
    cl_engine_set_num(owner.e, CL_ENGINE_MAX_SCANSIZE, static_cast<long long>(cfg.max_scansize));
    cl_engine_set_num(owner.e, CL_ENGINE_MAX_RECURSION, cfg.max_recursion);
    cl_engine_set_num(owner.e, CL_ENGINE_MAX_FILES, cfg.max_files);
    cl_engine_set_num(owner.e, CL_ENGINE_MAX_SCANTIME,
                      static_cast<long long>(cfg.timeout.count()) * 1000);
    // Each scan worker would fill its own copy of ClamAV's result cache, hit
    // only by repeats that reach the same worker: a verdict must not depend on that.
    cl_engine_set_num(owner.e, CL_ENGINE_DISABLE_CACHE, 1);

    unsigned signatures = 0;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (dir.empty() || !std::filesystem::is_directory(dir, ec) ||
            std::filesystem::is_empty(dir, ec))
            continue;
        cl_error_t r = cl_load(dir.c_str(), owner.e, &signatures, CL_DB_STDOPT);
        if (r != CL_SUCCESS) {
            problem = "loading " + dir + ": " + cl_strerror(r);
            return nullptr;
        }
    }
    if (signatures == 0) {
        problem = "no virus signatures in the signature directories";
        return nullptr;
    }
    cl_error_t r = cl_engine_compile(owner.e);
    if (r != CL_SUCCESS) {
        problem = std::string("compiling the signatures: ") + cl_strerror(r);
        return nullptr;
    }
    std::shared_ptr<SignatureEngine> engine(new SignatureEngine(owner.e, signatures));
    int err = 0;
    long long version = cl_engine_get_num(owner.e, CL_ENGINE_DB_VERSION, &err);
    if (err == CL_SUCCESS) engine->db_version_ = version;
    long long time = cl_engine_get_num(owner.e, CL_ENGINE_DB_TIME, &err);
    if (err == CL_SUCCESS) engine->db_time_ = time;
    owner.e = nullptr;
    return engine;
}

bool SignatureEngine::useTempDirInWorker(const std::string& dir) const {
    return cl_engine_set_str(engine_, CL_ENGINE_TMPDIR, dir.c_str()) == CL_SUCCESS;
}

SignatureEngine::~SignatureEngine() {
    cl_engine_free(engine_);
}

}  // namespace moat::scand

#include "nft.h"

#include <nftables/libnftables.h>

#include <stdexcept>

namespace moat::firewall {

Nft::Nft() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (!ctx_) throw std::runtime_error("cannot create an nftables context");
    nft_ctx_buffer_output(ctx_);
    nft_ctx_buffer_error(ctx_);
}

Nft::~Nft() { nft_ctx_free(ctx_); }

bool Nft::run(const std::string& script, std::string& error) {
    std::string output;
    return query(script, output, error);
}

bool Nft::query(const std::string& command, std::string& output, std::string& error, bool json) {
    unsigned flags = nft_ctx_output_get_flags(ctx_);
    nft_ctx_output_set_flags(ctx_, json ? flags | NFT_CTX_OUTPUT_JSON : flags & ~NFT_CTX_OUTPUT_JSON);
    int rc = nft_run_cmd_from_buffer(ctx_, command.c_str());
    nft_ctx_output_set_flags(ctx_, flags);
    const char* out = nft_ctx_get_output_buffer(ctx_);
    const char* err = nft_ctx_get_error_buffer(ctx_);
    output = out ? out : "";
    error = err ? err : "";
    if (rc != 0 && error.empty()) error = "nft refused the commands";
    return rc == 0;
}

}  // namespace moat::firewall

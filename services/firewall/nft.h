// libnftables (Debian libnftables-dev) for moat-firewall: runs an nft script
// as one transaction — all of it applies or none of it does — and returns
// nft's own error text when the kernel or the parser refuses it.
#pragma once

#include <string>

struct nft_ctx;

namespace moat::firewall {

class Nft {
  public:
    Nft();
    ~Nft();
    Nft(const Nft&) = delete;
    Nft& operator=(const Nft&) = delete;

    // True when the script applied; error holds nft's message otherwise.
    bool run(const std::string& script, std::string& error);
    // The output of a read-only command ("list set inet moat blocked4"); json:
    // in nft's JSON form (nft -j).
    bool query(const std::string& command, std::string& output, std::string& error, bool json = false);

  private:
    nft_ctx* ctx_;
};

}  // namespace moat::firewall

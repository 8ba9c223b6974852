// Header fields that relays, mailbox stores and filters add on the way to a
// mailbox (Received, Return-Path, Delivered-To, X-Spam-*, …). A copy learnt
// from a mailbox has them and the same message at SMTP time does not, so
// their presence and their words say where a copy was kept, not what the
// message is: the classifier's models read only the fields the sender's side
// wrote (bayes_tokenizer.h's header names, char_model.h's header text).
#pragma once

#include <string_view>

namespace moat::content {

// name: the field's name, in any case.
bool addedInTransit(std::string_view name);

}  // namespace moat::content

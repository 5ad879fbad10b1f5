// The currency of money parameters shared by regions (a segment's or product's deal_size), and
// the upgrade of scenario files from schema_version 1 to 2 (scenarios/README.md, "Currencies of
// shared parameters").
//
// schema_version 2: a segment's or product's deal_size, and an override's without a region, is
// in the reporting currency and converted into each region's currency at plan rates; an
// override with a region gives a regional value (the region's currency); a value may state its
// own "currency" (a code, or "local" = each region's own). schema_version 1: every deal_size is
// in each region's own currency.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"
#include "sim/io/json_reader.hpp"

namespace opsim {

//! The newest schema_version this opsim reads (and writes with `opsim upgrade`).
constexpr int kSchemaVersion = 2;

//! A currency "in each region's own currency" (not an index into FxSpec::currencies).
constexpr int kRegionCurrency = -1;

//! The currency `value` states in its "currency" member (an index into fx.currencies, or
//! kRegionCurrency for "local"), else `fallback`. Fails naming the member on an unknown code.
int stated_currency(const JsonNode& value, const FxSpec& fx, int fallback);

//! The currency a deal_size without a "currency" member is in: kRegionCurrency in version 1 and
//! for a regional override (`regional`), else the reporting currency.
int default_deal_size_currency(int schema_version, const FxSpec& fx, bool regional);

//! Factor from an amount in `currency` to one in the currency of `region` at plan rates: exactly
//! 1 when they are the same currency or `currency` is kRegionCurrency.
double to_region_factor(const Scenario& scenario, int currency, int region);

//! Scales the deal size (lognormal mean and the empirical amounts) by `factor`.
void scale_deal_size(SegmentParams& params, double factor);

//! For a version-1 scenario whose regions use more than one currency and which gives a shared
//! deal_size without a currency: the note that explains what it means (each region's own
//! currency) and how to state it. Nothing otherwise.
std::optional<std::string> currency_trap_note(const nlohmann::json& document,
                                              const Scenario& scenario);

//! The version-2 document with the same meaning as the version-1 `document` (already validated
//! into `scenario`): every shared deal_size without a currency states "currency": "local" when
//! a region's currency is not the reporting currency.
nlohmann::json upgrade_document(const nlohmann::json& document, const Scenario& scenario);

}  // namespace opsim

// `opsim upgrade OLD.json -o NEW.json`: a schema_version 1 scenario rewritten as version 2 with
// the same meaning (sim/io/scenario_money.hpp).
#include <filesystem>
#include <memory>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/io/scenario_money.hpp"

namespace opsim::cli {

namespace {

void upgrade_command(const std::string& input, const std::string& output, bool force) {
  const ScenarioDocument resolved = read_scenario_document(input);
  if (resolved.extends()) {
    throw_input(
        "{}: extends {}; upgrade the file it extends, then set \"schema_version\": 2 here (its own "
        "deal sizes are read as version 2 reads them)",
        input, resolved.files[1]);
  }
  const Scenario scenario = load_scenario(input, input_options());
  const int version = resolved.document.at("schema_version").get<int>();
  if (version >= kSchemaVersion)
    throw_input("{}: /schema_version: already {} (nothing to upgrade)", input, version);
  OutputPlan plan(force);
  add_scenario_inputs(plan, scenario);
  plan.add_output(output, "-o");
  plan.check();
  nlohmann::json upgraded = upgrade_document(resolved.document, scenario);
  // Relative CSV paths keep naming the same files from the output's folder.
  const auto folder = [](const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
  };
  rebase_files(upgraded, folder(input), folder(output));
  write_text_file(output, [&](std::ostream& out) { out << upgraded.dump(2) << '\n'; });
}

}  // namespace

void add_upgrade_command(CLI::App& app) {
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto* upgrade = app.add_subcommand(
      "upgrade", "Rewrite a schema_version 1 scenario as version 2 with the same results");
  upgrade->add_option("scenario", *input, "Scenario file (schema_version 1)")->required();
  add_required_output_option(upgrade, *output, "Write the version-2 scenario here");
  auto force = std::make_shared<bool>(false);
  add_force_flag(upgrade, *force);
  upgrade->callback([input, output, force] { upgrade_command(*input, *output, *force); });
}

}  // namespace opsim::cli

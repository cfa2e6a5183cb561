// Reads the checks.json files the conformance suite wrote for one run and compares them with the
// expected-failures file, with the suite's own rules (0.2.0-alpha.12): an entry is `scenario` (the
// whole scenario may fail) or `scenario:check-id`; FAILURE and WARNING both count as failures; a
// check id that appears more than once counts with its worst status; an entry whose check now
// passes is stale. Prints every unexpected failure with the suite's message (the suite itself only
// prints the names), then one machine-readable line for scripts/conformance:
//   COUNTS passed=<checks that passed> expected=<expected failures> unexpected=<n> stale=<n>
//
// usage: node summarize.mjs <results-dir> <expected-failures.yml> <node_modules dir holding `yaml`>
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const [resultsDir, expectedFile, nodeModules] = process.argv.slice(2);
const YAML = createRequire(join(nodeModules, "noop.js"))("yaml");

const baseline = (YAML.parse(readFileSync(expectedFile, "utf8")) ?? {}).server ?? [];
const wholeScenario = new Set();
const perCheck = new Map();
for (const entry of baseline) {
  const text = String(entry);
  const colon = text.indexOf(":");
  if (colon === -1) {
    wholeScenario.add(text);
  } else {
    const scenario = text.slice(0, colon);
    if (!perCheck.has(scenario)) perCheck.set(scenario, new Set());
    perCheck.get(scenario).add(text.slice(colon + 1));
  }
}

const rank = (status) => ({ FAILURE: 3, WARNING: 2, SUCCESS: 1 })[status] ?? 0;
const failed = (check) => check.status === "FAILURE" || check.status === "WARNING";
const oneLine = (text) => String(text ?? "").replace(/\s+/g, " ").trim();

let passed = 0;
let expected = 0;
const unexpected = [];
const stale = [];

const dirs = existsSync(resultsDir) ? readdirSync(resultsDir).sort() : [];
for (const dir of dirs) {
  const file = join(resultsDir, dir, "checks.json");
  if (!existsSync(file)) continue;
  const scenario = dir.replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
  const checks = JSON.parse(readFileSync(file, "utf8"));
  passed += checks.filter((c) => c.status === "SUCCESS").length;

  // Worst status per check id, as the suite does before it compares with the baseline.
  const worst = new Map();
  for (const check of checks) {
    if (check.status === "INFO") continue;
    const seen = worst.get(check.id);
    if (!seen || rank(check.status) >= rank(seen.status)) worst.set(check.id, check);
  }

  if (wholeScenario.has(scenario)) {
    const failures = [...worst.values()].filter(failed);
    if (failures.length > 0) expected += failures.length;
    else stale.push(scenario);
    continue;
  }
  const allowed = perCheck.get(scenario) ?? new Set();
  for (const check of worst.values()) {
    if (!failed(check)) continue;
    if (allowed.has(check.id)) expected += 1;
    else unexpected.push(`${scenario}:${check.id} [${check.status}] ${oneLine(check.errorMessage || check.description)}`);
  }
  for (const id of allowed) {
    if (worst.get(id)?.status === "SUCCESS") stale.push(`${scenario}:${id}`);
  }
}

for (const line of unexpected) console.log(`  unexpected failure: ${line}`);
for (const entry of stale) console.log(`  stale entry (now passes, remove it from ${expectedFile}): ${entry}`);
console.log(`COUNTS passed=${passed} expected=${expected} unexpected=${unexpected.length} stale=${stale.length}`);

#!/usr/bin/env node
// Resolves utterances against our interaction models with virtual-alexa, offline and without a skill.
//
//   node check_models.js MODELS_DIR [CASES_JSON]
//
// CASES_JSON is a file holding [{"locale": "de-DE", "utterance": "ja"}, ...]; without it a few phrases per
// locale are tried. Prints one JSON array: [{locale, utterance, intent, slots: {name: {value, id}}, error}].
// The request never reaches a skill: an in-process handler answers and a filter captures the request JSON.
"use strict";

const fs = require("fs");
const path = require("path");
const { VirtualAlexa } = require("virtual-alexa");
require("./matcher_cache"); // one RegExp per sample, not one per sample and utterance

const DEFAULT_CASES = [
  { locale: "en-US", utterance: "pay my electricity bill" },
  { locale: "en-US", utterance: "yes" },
  { locale: "en-US", utterance: "more" },
  { locale: "en-GB", utterance: "what's overdue" },
  { locale: "de-DE", utterance: "bezahle meine Stromrechnung" },
  { locale: "de-DE", utterance: "ja" },
  { locale: "de-DE", utterance: "mehr" },
  { locale: "nl-NL", utterance: "betaal mijn waterrekening" },
  { locale: "nl-NL", utterance: "ja graag" },
  { locale: "nl-NL", utterance: "meer" },
];

function quietSkill() {
  return async () => ({ version: "1.0", response: { shouldEndSession: false } });
}

function resolverFor(modelPath, locale) {
  const alexa = VirtualAlexa.Builder()
    .interactionModelFile(modelPath)
    .locale(locale)
    .handler(quietSkill())
    .create();
  // utter() reads any phrase containing "ask", "open", "tell", "launch" or "talk to" as a launch request
  // (an unanchored regex), so "tell me more about ..." or Dutch "openstaande" would never reach the model.
  // We test the model here, not launch phrases.
  alexa.parseLaunchRequest = () => undefined;
  let captured = null;
  alexa.filter((request) => {
    captured = request;
  });
  return async (utterance) => {
    captured = null;
    await alexa.utter(utterance);
    return captured;
  };
}

function slotSummary(slots) {
  const out = {};
  for (const [name, slot] of Object.entries(slots || {})) {
    if (slot.value === undefined) continue;
    const authorities = (slot.resolutions && slot.resolutions.resolutionsPerAuthority) || [];
    const match = authorities.find((a) => a.status.code === "ER_SUCCESS_MATCH" && a.values.length);
    out[name] = { value: slot.value, id: match ? match.values[0].value.id : null };
  }
  return out;
}

async function resolveAll(modelsDir, cases) {
  const resolvers = {};
  const results = [];
  for (const { locale, utterance } of cases) {
    resolvers[locale] = resolvers[locale] || resolverFor(path.join(modelsDir, `${locale}.json`), locale);
    try {
      const request = await resolvers[locale](utterance);
      const intent = request.request.intent;
      results.push({ locale, utterance, intent: intent.name, slots: slotSummary(intent.slots), error: null });
    } catch (error) {
      results.push({ locale, utterance, intent: null, slots: {}, error: String(error.message || error) });
    }
  }
  return results;
}

async function main() {
  const [modelsDir, casesFile] = process.argv.slice(2);
  if (!modelsDir) {
    console.error("usage: node check_models.js MODELS_DIR [CASES_JSON]");
    process.exit(2);
  }
  const cases = casesFile ? JSON.parse(fs.readFileSync(casesFile, "utf8")) : DEFAULT_CASES;
  process.stdout.write(JSON.stringify(await resolveAll(modelsDir, cases), null, 2) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

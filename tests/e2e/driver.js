#!/usr/bin/env node
// A long-lived virtual-alexa driver: JSON-lines commands on stdin, one JSON-lines answer per command on stdout.
//
//   {"op": "reset", "skillURL": "http://127.0.0.1:PORT/alexa", "model": "/path/en-US.json", "locale": "en-US",
//    "accessToken": "...", "deviceId": "...", "apiEndpoint": "http://127.0.0.1:N"}
//       a new VirtualAlexa (new user, new session); keys left out keep their previous value, null clears one
//   {"op": "launch"}                                        a LaunchRequest
//   {"op": "utter", "text": "pay my electricity bill"}      resolved through the interaction model (and, while
//                                                           the skill elicits a slot, through its slot samples)
//   {"op": "intend", "intent": "PayBillIntent", "slots": {"billType": "gas"}}
//   {"op": "end", "reason": "USER_INITIATED"}               a SessionEndedRequest
//   {"op": "replay"}                                        the last request again, byte for byte: Alexa
//                                                           redelivering a turn (same requestId, same session)
//
// Answer: {"id": <the command's id>, "ok": true, "request": <the request JSON sent>, "response": <the skill's JSON>}
//     or  {"id": ..., "ok": false, "error": "...", "request": <the request JSON, when one was built>}
// Node starts in about a second here (the AWS SDK that virtual-alexa loads), so one process serves many
// conversations and `reset` starts each one afresh.
"use strict";

const fs = require("fs");
const readline = require("readline");
const { VirtualAlexa } = require("virtual-alexa");
require("./matcher_cache"); // one RegExp per sample, not one per sample and utterance
const { InteractionModel } = require("virtual-alexa/lib/src/model/InteractionModel");
// virtual-alexa's own utterance matcher (its dependency virtual-core), resolved from virtual-alexa.
const { Utterance } = require(require.resolve("virtual-core", { paths: [require.resolve("virtual-alexa")] }));

const config = {
  skillURL: null,
  model: null,
  locale: "en-US",
  accessToken: null,
  deviceId: null,
  apiEndpoint: null,
};
// virtual-alexa's SessionEndedReason enum
const SESSION_ENDED_REASONS = { ERROR: 0, EXCEEDED_MAX_REPROMPTS: 1, USER_INITIATED: 2 };
let alexa = null;
let sent = null; // the request JSON of the current command, as the filter saw it
let lastSent = null;
let eliciting = null; // {intent, slot} while the skill's last answer elicited a slot (Dialog.ElicitSlot)

// virtual-alexa knows no AMAZON.FOUR_DIGIT_NUMBER, so a bare "{pin}" sample matches any phrase that no other
// sample matches ("tell me about my water bill" would become VoicePinIntent). Real Alexa would not do that:
// refuse such a resolution instead of sending it.
function refuseCatchAllMatches(request) {
  const intent = request.request.intent;
  if (!intent || !alexa) return;
  const schema = alexa.context().interactionModel().intentSchema.intent(intent.name);
  for (const slot of (schema && schema.slots) || []) {
    const value = intent.slots && intent.slots[slot.name] && intent.slots[slot.name].value;
    if (slot.type === "AMAZON.FOUR_DIGIT_NUMBER" && value !== undefined && !/^\d{4}$/.test(value)) {
      throw new Error(`Unable to match utterance: only the catch-all {${slot.name}} sample of ${intent.name} matched`);
    }
  }
}

// virtual-alexa tracks a dialog (dialogState, the updated intent's slots) but matches intent samples only. Alexa,
// while a slot is elicited, also hears the slot's own samples ("{pin}", "it's {pin}"): an utterance no intent
// sample matches is tried against those, as the elicited intent. A model of that one intent, with the slot's
// samples as its samples, gives virtual-alexa's matcher exactly that.
function elicitedSlotUtterance(text) {
  const model = JSON.parse(fs.readFileSync(config.model, "utf8")).interactionModel;
  const intent = model.languageModel.intents.find((i) => i.name === eliciting.intent);
  const slot = intent && (intent.slots || []).find((s) => s.name === eliciting.slot);
  if (!slot || !slot.samples || !slot.samples.length) return null;
  const languageModel = { intents: [{ ...intent, samples: slot.samples }], types: model.languageModel.types || [] };
  const utterance = new Utterance(InteractionModel.fromJSON({ languageModel }), text);
  return utterance.matched() ? utterance.toJSON() : null;
}

async function utter(text) {
  try {
    return await alexa.utter(text);
  } catch (error) {
    if (!eliciting || !String(error.message).startsWith("Unable to match utterance")) throw error;
    const slots = elicitedSlotUtterance(text);
    if (!slots) throw error;
    return alexa.intend(eliciting.intent, slots);
  }
}

function noteElicitation(result) {
  const directives = (result && result.response && result.response.directives) || [];
  const elicit = directives.find((d) => d.type === "Dialog.ElicitSlot" && d.updatedIntent);
  eliciting = elicit ? { intent: elicit.updatedIntent.name, slot: elicit.slotToElicit } : null;
}

function build() {
  if (!config.skillURL || !config.model) throw new Error("reset needs skillURL and model first");
  lastSent = null;
  eliciting = null;
  alexa = VirtualAlexa.Builder()
    .skillURL(config.skillURL)
    .interactionModelFile(config.model)
    .locale(config.locale)
    .create();
  // utter() reads any phrase containing "ask", "open", "tell", "launch" or "talk to" as a launch request
  // (an unanchored regex: "tell me more", Dutch "openstaande"). Launches are the explicit "launch" op.
  alexa.parseLaunchRequest = () => undefined;
  alexa.context().setAccessToken(config.accessToken);
  if (config.deviceId) alexa.context().device().setID(config.deviceId);
  alexa.filter((request) => {
    sent = request;
    // Progressive responses go to context.System.apiEndpoint: point it at the test's recording server.
    if (config.apiEndpoint && request.context.System.apiEndpoint) {
      request.context.System.apiEndpoint = config.apiEndpoint;
    }
    refuseCatchAllMatches(request);
    lastSent = request;
  });
}

async function run(command) {
  switch (command.op) {
    case "reset":
      for (const key of Object.keys(config)) {
        if (key in command) config[key] = command[key];
      }
      build();
      return null;
    case "launch":
      return alexa.launch();
    case "utter":
      return utter(command.text);
    case "intend":
      return alexa.intend(command.intent, command.slots || {});
    case "replay":
      if (!lastSent) throw new Error("nothing to replay yet");
      sent = lastSent;
      // The interactor posts the JSON and returns the answer; virtual-alexa's own session is left alone.
      return alexa.interactor().invoke(JSON.parse(JSON.stringify(lastSent)));
    case "end":
      return alexa.endSession(SESSION_ENDED_REASONS[command.reason || "USER_INITIATED"]);
    default:
      throw new Error(`unknown op ${JSON.stringify(command.op)}`);
  }
}

async function answer(line) {
  sent = null;
  let reply;
  let id = null;
  try {
    const command = JSON.parse(line);
    id = command.id === undefined ? null : command.id;
    if (command.op !== "reset" && !alexa) throw new Error("send a reset with skillURL and model first");
    const result = await run(command);
    if (command.op !== "reset" && command.op !== "replay") noteElicitation(result);
    reply = { id, ok: true, request: sent, response: result ? { ...result } : null };
  } catch (error) {
    reply = { id, ok: false, error: String((error && error.message) || error), request: sent };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}

let queue = Promise.resolve();
readline
  .createInterface({ input: process.stdin, terminal: false })
  .on("line", (line) => {
    if (line.trim()) queue = queue.then(() => answer(line));
  })
  .on("close", () => {
    queue.then(() => process.exit(0));
  });

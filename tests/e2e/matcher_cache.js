// Speeds up virtual-alexa's utterance matcher (virtual-core's Utterance / SamplePhrase) for broad models, with
// exactly its results:
// - a model file is parsed once (per content), not once per conversation;
// - it built a new RegExp from each sample every time it tested an utterance; the regex depends only on the
//   sample, so it is built once per sample here;
// - it tested every sample of every intent. A sample's regex is anchored (`^head(.*)...$`, case-insensitive),
//   so a sample whose text starts with the words `head` before its first slot can only match an utterance
//   that starts with `head`. Samples are indexed by their first word, and only those whose first word is
//   the utterance's (and those that start with a slot) are tested. The matches found, and the choice among
//   them (virtual-core's score, then typed slots, first one winning a tie, in intent and sample order), are
//   virtual-core's own code and order, unchanged.
"use strict";

const path = require("path");

const core = require.resolve("virtual-core", { paths: [require.resolve("virtual-alexa")] });
const { SamplePhrase } = require(path.join(path.dirname(core), "SampleUtterances.js"));
const { Utterance } = require(core);
const { InteractionModel } = require("virtual-alexa/lib/src/model/InteractionModel");
const fs = require("fs");

// virtual-core's SamplePhraseTest removes these before matching (SampleUtterances.js).
const PUNCTUATION = /[\!\"\¿\?|\#\$\%\/\(\)\=\+\-\_\<\>\*\{\}\·\¡\[\]\.\,\;\:]/g;
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/;

function firstWord(text) {
  const match = /^\s*(\S+)/.exec(text);
  return match ? match[1].toLowerCase() : "";
}

if (!SamplePhrase.prototype.__fast) {
  const build = SamplePhrase.prototype.regex;
  SamplePhrase.prototype.regex = function regex() {
    if (this.__regex === undefined) {
      this.__regex = build.call(this);
    }
    return this.__regex;
  };

  // The sample's first word when the match must start with it; null when any utterance may match (it starts
  // with a slot, or its first word holds a character a regex reads as more than itself).
  SamplePhrase.prototype.leadingWord = function leadingWord() {
    if (this.__lead === undefined) {
      const slot = this.phrase.indexOf("{");
      const head = (slot === -1 ? this.phrase : this.phrase.substring(0, slot)).trim();
      const word = firstWord(head);
      const whole = head.split(/\s+/)[0] === head; // the head is one word: a slot may follow with no space
      this.__lead = !word || REGEX_SPECIAL.test(word) || (whole && slot !== -1) ? null : word;
    }
    return this.__lead;
  };

  function candidates(model, intentName) {
    const cache = model.__byLead || (model.__byLead = new Map());
    let index = cache.get(intentName);
    if (index === undefined) {
      index = { byWord: new Map(), any: [] };
      model.sampleUtterances.samplesForIntent(intentName).forEach((sample, order) => {
        const lead = sample.leadingWord();
        const entry = { sample, order };
        if (lead === null) index.any.push(entry);
        else (index.byWord.get(lead) || index.byWord.set(lead, []).get(lead)).push(entry);
      });
      cache.set(intentName, index);
    }
    return index;
  }

  Utterance.prototype.matchIntent = function matchIntent() {
    const model = this.interactionModel;
    const word = firstWord(this.phrase.replace(PUNCTUATION, ""));
    const matches = [];
    for (const intent of model.intentSchema.intents()) {
      const index = candidates(model, intent.name);
      // in the samples' own order, as virtual-core tries them
      const tried = [...(index.byWord.get(word) || []), ...index.any].sort((a, b) => a.order - b.order);
      for (const { sample } of tried) {
        const sampleTest = sample.matchesUtterance(this.phrase);
        if (sampleTest.matches()) {
          matches.push(sampleTest);
        }
      }
    }
    if (matches.length > 0) {
      let topMatch;
      for (const match of matches) {
        if (!topMatch || match.score() > topMatch.score()) {
          topMatch = match;
        } else if (topMatch.score() === match.score()) {
          if (match.scoreSlots() > topMatch.scoreSlots()) {
            topMatch = match;
          }
        }
      }
      this.matchedSample = topMatch.samplePhrase;
      this.slots = topMatch.slotValues();
    }
  };
  // A model file is parsed into its samples once per content, not at every new VirtualAlexa (a conversation's
  // reset): the parsed model is read-only to virtual-alexa (dialog state lives in its context).
  const fromFile = InteractionModel.fromFile;
  const parsed = new Map();
  InteractionModel.fromFile = function cachedFromFile(file) {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      return fromFile.call(InteractionModel, file); // virtual-alexa's own message for a missing file
    }
    const key = `${path.resolve(file)}:${stat.mtimeMs}:${stat.size}`;
    if (!parsed.has(key)) parsed.set(key, fromFile.call(InteractionModel, file));
    return parsed.get(key);
  };
  SamplePhrase.prototype.__fast = true;
}

module.exports = { SamplePhrase, Utterance, InteractionModel };

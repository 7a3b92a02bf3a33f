// virtual-alexa's utterance matcher (virtual-core's SamplePhrase) builds a new RegExp from each sample every
// time it tests an utterance: with a broad model (tens of thousands of samples) that rebuilding is nearly all
// of the matching time. The regex depends only on the sample, so it is built once per sample here; what
// matches, and how the best match is scored, is virtual-alexa's own code, unchanged.
"use strict";

const path = require("path");

const core = require.resolve("virtual-core", { paths: [require.resolve("virtual-alexa")] });
const { SamplePhrase } = require(path.join(path.dirname(core), "SampleUtterances.js"));

if (!SamplePhrase.prototype.__cachedRegex) {
  const build = SamplePhrase.prototype.regex;
  SamplePhrase.prototype.regex = function regex() {
    if (this.__regex === undefined) {
      this.__regex = build.call(this);
    }
    return this.__regex;
  };
  SamplePhrase.prototype.__cachedRegex = true;
}

module.exports = { SamplePhrase };

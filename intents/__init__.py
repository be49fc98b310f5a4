"""Understanding French text: normalisation, intents, entities. No dependency on telegram or bot."""

const nxPreset = require('@nx/jest/preset').default;

// Libraries whose behaviour is exercised through other projects' specs (the contract suite,
// the storage factory) have no spec of their own.
module.exports = { ...nxPreset, passWithNoTests: true };

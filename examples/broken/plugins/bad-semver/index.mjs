// BROKEN ON PURPOSE: `version: '1.2'` is not semver (it needs MAJOR.MINOR.PATCH, e.g. 1.2.0).
// Expected: meta/invalid-semver, naming plugin "bad-semver" and the value "1.2".
export default class BadSemver {
  static meta = {
    name: 'bad-semver',
    version: '1.2',
    description: 'Version written the short way.',
    engines: { aetherscript: '^1.0.0' },
  };

  async execute() {
    return null;
  }
}

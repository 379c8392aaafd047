// openapi-typescript drives the TypeScript 5 compiler API, which TypeScript 7 (the project's
// compiler) no longer has. It gets 5.9 as its own dependency instead of sharing the project's
// TypeScript as a peer, so nothing else sees TypeScript 5.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'openapi-typescript') {
        delete pkg.peerDependencies?.typescript;
        pkg.dependencies = { ...pkg.dependencies, typescript: '5.9.3' };
      }
      return pkg;
    },
  },
};

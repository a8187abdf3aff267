import nx from "@nx/eslint-plugin";

// Layers, bottom up: util -> storage-api -> storage-driver -> storage-factory | data -> domain | auth -> feature -> app.
// A lib may import only from layers below it; nothing imports an app.
const layers = [
  { sourceTag: "type:app", onlyDependOnLibsWithTags: ["type:storage-factory", "type:feature", "type:auth", "type:data-access", "type:domain", "type:data", "type:storage-driver", "type:storage-api", "type:util"] },
  { sourceTag: "type:feature", onlyDependOnLibsWithTags: ["type:domain", "type:data", "type:storage-api", "type:util"] },
  { sourceTag: "type:domain", onlyDependOnLibsWithTags: ["type:data", "type:storage-api", "type:util"] },
  { sourceTag: "type:auth", onlyDependOnLibsWithTags: ["type:data", "type:util"] },
  { sourceTag: "type:storage-factory", onlyDependOnLibsWithTags: ["type:storage-driver", "type:storage-api", "type:util"] },
  { sourceTag: "type:data", onlyDependOnLibsWithTags: ["type:util"] },
  { sourceTag: "type:storage-driver", onlyDependOnLibsWithTags: ["type:storage-api", "type:util"] },
  { sourceTag: "type:storage-api", onlyDependOnLibsWithTags: ["type:util"] },
  // The console's generated HTTP client (libs/api-client): Angular HttpClient services only.
  { sourceTag: "type:data-access", onlyDependOnLibsWithTags: ["type:util"] },
  { sourceTag: "type:util", onlyDependOnLibsWithTags: ["type:util"] },
  { sourceTag: "type:testing", onlyDependOnLibsWithTags: ["type:storage-driver", "type:storage-api", "type:util"] },
  { sourceTag: "scope:registry", onlyDependOnLibsWithTags: ["scope:registry", "scope:shared"] },
  { sourceTag: "scope:admin", onlyDependOnLibsWithTags: ["scope:admin", "scope:shared"] },
  // The admin CLI (apps/cli) runs the shared domain against the same database and storage as the apps.
  { sourceTag: "scope:cli", onlyDependOnLibsWithTags: ["scope:cli", "scope:shared"] },
  // The Angular console (apps/console) may import only console libs (in practice libs/api-client) and shared ones.
  { sourceTag: "scope:console", onlyDependOnLibsWithTags: ["scope:console", "scope:shared"] },
  { sourceTag: "scope:shared", onlyDependOnLibsWithTags: ["scope:shared"] },
];

const boundaries = (depConstraints) => [
  "error",
  {
    enforceBuildableLibDependency: true,
    allow: ["^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$"],
    depConstraints,
  },
];

// Specs (and only specs) may also use the shared test harness and real storage drivers.
const specLayers = layers.map((c) =>
  c.sourceTag.startsWith("type:") ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, "type:testing", "type:storage-driver"] } : c,
);

export default [
  ...nx.configs["flat/base"],
  ...nx.configs["flat/typescript"],
  ...nx.configs["flat/javascript"],
  { ignores: ["**/dist", "**/out-tsc", "**/node_modules"] },
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.js", "**/*.jsx"],
    rules: { "@nx/enforce-module-boundaries": boundaries(layers) },
  },
  {
    files: ["**/*.spec.ts", "**/*.e2e.ts", "**/test/**/*.ts"],
    rules: { "@nx/enforce-module-boundaries": boundaries(specLayers) },
  },
];

// @nuxt/eslint's flat config (generated into .nuxt by `nuxt prepare`, which `npm install` runs),
// with the project's own few rules on top.
import withNuxt from './.nuxt/eslint.config.mjs'

export default withNuxt(
  // Build output of the tests and the benchmark holds generated eslint configs of its own: never a config root.
  { ignores: ['uploads/**', 'docs/**', 'test-results/**', '.data/**', '.nuxt/**', '.output/**', 'bench/.tmp/**', '.test-build/**'] },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
      // `try { x = await f() }` on one line is the house style for one-statement blocks.
      '@stylistic/max-statements-per-line': ['error', { max: 2 }],
    },
  },
)

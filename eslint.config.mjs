// ESLint (flat config): typescript-eslint's recommended rules on the whole tree; formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NEST_HTTP_NAMES = [
  // routing, requests and responses
  'Controller',
  'Get',
  'Post',
  'Put',
  'Patch',
  'Delete',
  'Head',
  'Options',
  'All',
  'Req',
  'Request',
  'Res',
  'Response',
  'Body',
  'Param',
  'Query',
  'Headers',
  'HttpCode',
  'Header',
  'Redirect',
  'StreamableFile',
  'UsePipes',
  'UseGuards',
  'UseFilters',
  'UseInterceptors',
  // HTTP exceptions
  'HttpException',
  'HttpStatus',
  'BadRequestException',
  'UnauthorizedException',
  'ForbiddenException',
  'NotFoundException',
  'MethodNotAllowedException',
  'NotAcceptableException',
  'RequestTimeoutException',
  'ConflictException',
  'GoneException',
  'PreconditionFailedException',
  'PayloadTooLargeException',
  'UnsupportedMediaTypeException',
  'ImATeapotException',
  'MisdirectedException',
  'UnprocessableEntityException',
  'InternalServerErrorException',
  'NotImplementedException',
  'BadGatewayException',
  'ServiceUnavailableException',
  'GatewayTimeoutException',
  'HttpVersionNotSupportedException',
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', '.data/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // The engine throws EngineException; src/http maps it to a status. Fastify and OpenAPI are the HTTP side's.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: NEST_HTTP_NAMES,
              message: 'no HTTP in the engine; throw EngineException',
            },
          ],
          patterns: [
            {
              group: [
                'fastify',
                '@fastify/*',
                '@nestjs/platform-fastify',
                '@nestjs/swagger',
                '@nestjs/core',
                'class-validator',
              ],
              message: 'the engine knows nothing of HTTP (docs/architecture.md)',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read arbitrary JSON answers.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
);

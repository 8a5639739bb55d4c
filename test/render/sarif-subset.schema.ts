/**
 * Hand-written subset of the SARIF 2.1.0 schema (OASIS), for the objects kubeproof writes: required
 * properties, enums and types as the standard defines them. See test/schemas/PROVENANCE.md for why the
 * official schema is not committed.
 */
const message = { type: 'object', required: ['text'], properties: { text: { type: 'string' } } };
const level = { enum: ['none', 'note', 'warning', 'error'] };

export const sarifSubsetSchema = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tool'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  rules: {
                    type: 'array',
                    uniqueItems: true,
                    items: {
                      type: 'object',
                      required: ['id'],
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        shortDescription: message,
                        helpUri: { type: 'string', format: 'uri' },
                        defaultConfiguration: { type: 'object', properties: { level } },
                        properties: { type: 'object' },
                      },
                    },
                  },
                },
              },
            },
          },
          invocations: {
            type: 'array',
            items: {
              type: 'object',
              required: ['executionSuccessful'],
              properties: {
                executionSuccessful: { type: 'boolean' },
                startTimeUtc: { type: 'string', format: 'date-time' },
                toolExecutionNotifications: {
                  type: 'array',
                  items: { type: 'object', required: ['message'], properties: { message, level } },
                },
              },
            },
          },
          automationDetails: { type: 'object', properties: { id: { type: 'string' } } },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['message'],
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
                level,
                message,
                locations: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      logicalLocations: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            name: { type: 'string' },
                            fullyQualifiedName: { type: 'string' },
                            kind: { type: 'string' },
                          },
                        },
                      },
                    },
                  },
                },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
                // SARIF 2.1.0 §3.35: suppression objects
                suppressions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['kind'],
                    properties: {
                      kind: { enum: ['inSource', 'external'] },
                      status: { enum: ['accepted', 'underReview', 'rejected'] },
                      justification: { type: 'string' },
                      properties: { type: 'object' },
                    },
                    additionalProperties: false,
                  },
                },
                properties: { type: 'object' },
              },
            },
          },
          properties: { type: 'object' },
        },
      },
    },
  },
} as const;

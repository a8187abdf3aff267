// `npx nx run admin-api:openapi`: writes apps/admin-api/openapi.json from the code's decorators.
import { writeFileSync } from 'node:fs';
import { generateOpenApiJson, OPENAPI_FILE } from './openapi-document';

generateOpenApiJson()
  .then((json) => {
    writeFileSync(OPENAPI_FILE, json);
    console.log(`wrote ${OPENAPI_FILE}`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

import { Query, Resolver } from '@nestjs/graphql';
import { ThrottleScope } from 'nest-scoped-throttle';

/**
 * `POST /graphql` `{ hello }`: the `hi` scope over GraphQL, sharing its counter with `GET /hi` and the
 * `/ws` gateway (one counter per scope and client, whatever the transport). Nullable, so a refusal nulls
 * only this field: `{"data":{"hello":null},"errors":[{..."extensions":{"code":"TOO_MANY_REQUESTS","scope":"hi","retryAfter":1}}]}`.
 */
@Resolver()
export class HiResolver {
  @ThrottleScope('hi')
  @Query(() => String, { nullable: true, description: 'Hello Hello! (scope hi)' })
  hello(): string {
    return 'Hello Hello!';
  }
}

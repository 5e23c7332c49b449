"""What the mutations and jobs do. Each function runs inside one transaction (the mutation's,
through core.api.mutation.run_mutation, or the job run's) and raises UserFailure to refuse;
every status change of a demand goes through the state machine (plugins.demands.lifecycle).
Services take plain values (decoded ids) and the context; they know nothing of GraphQL."""

/** A `fetch` that tells `record` the HTTP status of every answer, or `error` when none came (network, abort). */
export function countedFetch(send: typeof fetch, record: (status: number | 'error') => void): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await send(input, init);
    } catch (error) {
      record('error');
      throw error;
    }
    record(response.status);
    return response;
  };
}

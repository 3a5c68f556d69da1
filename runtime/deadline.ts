// One race against a timer, for every deadline the functions keep (an AWS call, a record, a retry
// note): the work's own result, or what `late()` gives or throws once `ms` have passed. The timer
// never outlives the race, so a settled call leaves nothing to keep an instance busy.
export async function withDeadline<T, L = never>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

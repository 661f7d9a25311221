/**
 * The jobs this browser submitted: their ids (and what the page knows that the server
 * forgets, such as that a waiting job was cancelled: the queue removes it) in
 * localStorage, so a reload or another tab lists them again. Newest first, at most MAX.
 */
const KEY = 'neural-style:my-jobs';
const MAX = 30;

export interface MyJob {
  id: string;
  submittedAt: number;
  /** Cancelled from this browser (a waiting job then disappears from the queue). */
  cancelled?: boolean;
}

export const myJobs = {
  list(): MyJob[] {
    try {
      const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((j): j is MyJob => typeof (j as MyJob)?.id === 'string' && /^\d+$/.test((j as MyJob).id)) : [];
    } catch {
      return [];
    }
  },

  add(id: string): void {
    save([{ id, submittedAt: Date.now() }, ...this.list().filter((j) => j.id !== id)]);
  },

  markCancelled(id: string): void {
    save(this.list().map((j) => (j.id === id ? { ...j, cancelled: true } : j)));
  },

  forget(id: string): void {
    save(this.list().filter((j) => j.id !== id));
  },
};

function save(jobs: MyJob[]): void {
  localStorage.setItem(KEY, JSON.stringify(jobs.slice(0, MAX)));
}

// The error a promise rejects with, for asserting an SDK's error class; fails the test when it resolves.
export async function caught(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

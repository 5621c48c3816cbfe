import { type HostTensor, Tensor } from '@tunekit/core';

/** A graph input named as its feed, with the feed's shape and dtype. */
export const inputOf = (name: string, t: HostTensor): Tensor => Tensor.input(name, t.shape, t.dtype);

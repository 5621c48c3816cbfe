// The package barrel: what users of @tunekit/rlhf call.
export {};

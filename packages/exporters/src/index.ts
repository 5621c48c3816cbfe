// The package barrel: what users of @tunekit/exporters call.
export {};

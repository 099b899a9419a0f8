"""Fleet planning: how many cameras each station needs so every required shift gets a charged one,
and the battery model the checkout service shares."""

"""Fleet planning: how many cameras each station needs so every required shift gets a charged one,
which shifts today's fleet leaves uncovered, and what the missing cameras cost."""

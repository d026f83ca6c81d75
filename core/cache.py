"""What "Redis is unreachable" looks like, whether it comes through the cache (django-redis) or a raw client."""

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS_UNAVAILABLE = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)

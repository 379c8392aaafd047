// The heartbeat of a floating seat, as the TypeScript SDK's (packages/client/src/heartbeat.ts): renew
// at 45–55 % of what is left of the token, retry network failures with backoff (1 s doubling to 60 s,
// never more than half of a still-valid token's rest), stop and raise Lost on a refusal. A lapsed
// lease is revived by the server on the next renewal (a new seat) or refused with NoFreeSlot.
using System;
using System.Threading;

namespace Slotkeeper
{
    public sealed class Heartbeat : IDisposable
    {
        readonly LicenseClient client;
        readonly Random random = new Random();
        readonly object gate = new object();
        Timer timer;
        bool stopped;
        int attempt;
        DateTime expiresAt;

        /// <summary>After each renewal, with the offline check of the new token.</summary>
        public event Action<CheckResult> Renewed;
        /// <summary>The server could not be reached; the heartbeat tries again after the given delay.</summary>
        public event Action<SlotkeeperException, TimeSpan> Retrying;
        /// <summary>The seat is gone (SlotReleased, NoFreeSlot, LicenseExpired, …); the heartbeat has stopped.</summary>
        public event Action<SlotkeeperException> Lost;

        internal Heartbeat(LicenseClient client, DateTime expiresAt)
        {
            this.client = client;
            this.expiresAt = expiresAt;
            timer = new Timer(_ => Beat(), null, Timeout.Infinite, Timeout.Infinite);
            Schedule(RenewalDelay(DateTime.UtcNow, expiresAt, random.NextDouble()));
        }

        public bool Running { get { lock (gate) return !stopped; } }

        public static TimeSpan RenewalDelay(DateTime now, DateTime expiresAt, double random)
        {
            double remaining = (expiresAt - now).TotalMilliseconds;
            if (remaining <= 0) return TimeSpan.Zero;
            double delay = remaining / 2 * (0.9 + 0.2 * random);
            return TimeSpan.FromMilliseconds(Math.Min(86400000, Math.Max(Math.Min(500, remaining / 2), delay)));
        }

        public static TimeSpan RetryDelay(int attempt, DateTime now, DateTime expiresAt, double random)
        {
            double ceiling = Math.Min(60000, 1000 * Math.Pow(2, Math.Min(attempt - 1, 30)));
            double delay = ceiling / 2 + ceiling / 2 * random;
            double remaining = (expiresAt - now).TotalMilliseconds;
            if (remaining > 0) delay = Math.Min(delay, remaining / 2);
            return TimeSpan.FromMilliseconds(Math.Max(250, delay));
        }

        static bool Transient(ErrorCode code) =>
            code == ErrorCode.Unreachable || code == ErrorCode.ServerError || code == ErrorCode.ProxyRefused ||
            code == ErrorCode.ProxyAuthRefused || code == ErrorCode.RateLimited;

        void Schedule(TimeSpan delay)
        {
            lock (gate) if (!stopped) timer.Change((long)delay.TotalMilliseconds, Timeout.Infinite);
        }

        async void Beat()
        {
            try
            {
                var result = await client.RenewAsync().ConfigureAwait(false);
                if (!Running) return;
                attempt = 0;
                if (result.Claims != null) expiresAt = result.Claims.ExpiresAt;
                Schedule(RenewalDelay(DateTime.UtcNow, expiresAt, random.NextDouble()));
                Renewed?.Invoke(result);
            }
            catch (SlotkeeperException e) when (Transient(e.Code))
            {
                if (!Running) return;
                attempt += 1;
                var delay = RetryDelay(attempt, DateTime.UtcNow, expiresAt, random.NextDouble());
                if (e.RetryAfterSeconds.HasValue && e.RetryAfterSeconds.Value * 1000 > delay.TotalMilliseconds) delay = TimeSpan.FromSeconds(e.RetryAfterSeconds.Value);
                Schedule(delay);
                Retrying?.Invoke(e, delay);
            }
            catch (SlotkeeperException e)
            {
                if (!Running) return;
                Stop();
                Lost?.Invoke(e);
            }
        }

        /// <summary>Stops renewing (a renewal under way still stores its token).</summary>
        public void Stop()
        {
            lock (gate)
            {
                stopped = true;
                timer.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }

        public void Dispose()
        {
            Stop();
            timer.Dispose();
        }
    }
}

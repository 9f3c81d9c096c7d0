// Overlays ESO's pkg/provider/register at build time: only the fake provider is registered.
package register

import (
	_ "github.com/external-secrets/external-secrets/pkg/provider/fake"
)

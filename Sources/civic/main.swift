import CivicCLI
import Foundation

exit(await Civic.run())
